import { Form, Link, NavLink } from '@remix-run/react';

export interface NavItem {
  label: string;
  href: string;
}

/** The frame of every signed-in page: brand, navigation for the role, account menu. */
export function AppShell({
  nav,
  userEmail,
  context,
  children,
}: {
  nav: NavItem[];
  userEmail: string;
  context: string;
  children: React.ReactNode;
}) {
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link to="/" className="text-lg font-bold text-brand-700">
            CRM Hub
          </Link>
          <span className="rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700" data-testid="context-label">
            {context}
          </span>
          <nav aria-label="Main" className="order-3 w-full overflow-x-auto sm:order-none sm:w-auto">
            <ul className="flex gap-1">
              {nav.map((item) => (
                <li key={item.href}>
                  <NavLink
                    to={item.href}
                    end={item.href === '/' || item.href === '/admin'}
                    className={({ isActive }) =>
                      `block whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium ${isActive ? 'bg-brand-50 text-brand-700' : 'text-slate-700 hover:bg-slate-100'}`
                    }
                  >
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-2 text-sm">
            <Link to="/account" className="hidden text-slate-700 hover:underline sm:inline" data-testid="user-email">
              {userEmail}
            </Link>
            <Form method="post" action="/logout">
              <button type="submit" className="rounded-md px-3 py-2 font-medium text-slate-800 hover:bg-slate-100">
                Log out
              </button>
            </Form>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
