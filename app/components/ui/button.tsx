import { forwardRef } from 'react';

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';
const styles: Record<Variant, string> = {
  primary: 'bg-brand-600 text-white hover:bg-brand-700 disabled:bg-slate-400',
  secondary: 'border border-slate-300 bg-white text-slate-900 hover:bg-slate-50 disabled:text-slate-500',
  danger: 'bg-red-700 text-white hover:bg-red-800 disabled:bg-slate-400',
  ghost: 'text-slate-800 hover:bg-slate-100',
};

const base = 'inline-flex min-h-10 items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-medium transition-colors';

/** The classes of a button, for a link (Remix <Link>) that should look like one. */
export const buttonClass = (variant: Variant = 'secondary', className = '') => `${base} ${styles[variant]} ${className}`;

export const Button = forwardRef<HTMLButtonElement, React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }>(
  function Button({ variant = 'primary', className = '', ...props }, ref) {
    return (
      <button
        ref={ref}
        className={`${base} disabled:cursor-not-allowed ${styles[variant]} ${className}`}
        {...props}
      />
    );
  },
);
