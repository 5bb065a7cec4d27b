import { useEffect, useId, useRef, useState } from 'react';
import { browserTrpc } from './pipeline/api';
import { SelectInput } from './fields';

type AccountOption = { id: string; name: string };

/**
 * The account select of the contact forms, with a search box above it: typing asks
 * crm.accounts.lookup for matching accounts and offers those (the current choice stays).
 * Without JavaScript the select still holds the first accounts by name.
 */
export function AccountPicker({ accounts, defaultValue, error }: { accounts: AccountOption[]; defaultValue: string; error?: string[] }) {
  const [options, setOptions] = useState(accounts);
  const [selected, setSelected] = useState(defaultValue);
  const [status, setStatus] = useState('');
  const [q, setQ] = useState('');
  const searchId = useId();
  const request = useRef(0);

  useEffect(() => {
    const term = q.trim();
    const mine = ++request.current;
    const timer = setTimeout(
      () => {
        if (!term) {
          setOptions(accounts);
          setStatus('');
          return;
        }
        browserTrpc()
          .crm.accounts.lookup.query({ q: term, limit: 50 })
          .then((found) => {
            if (mine !== request.current) return; // a newer search is on its way
            setOptions(found.map((a) => ({ id: a.id, name: a.name })));
            setStatus(found.length === 0 ? 'No account matches.' : `${found.length}${found.length === 50 ? '+' : ''} ${found.length === 1 ? 'account matches' : 'accounts match'}; choose below.`);
          })
          .catch(() => mine === request.current && setStatus('The search failed; the list shows the first accounts.'));
      },
      term ? 250 : 0,
    );
    return () => clearTimeout(timer);
  }, [q, accounts]);

  // the chosen account stays offered whatever the search shows
  const current = selected !== 'none' && !options.some((a) => a.id === selected) ? [...accounts, ...options].find((a) => a.id === selected) : undefined;
  const shown = current ? [current, ...options] : options;
  return (
    <div className="space-y-2">
      <div className="space-y-1">
        <label htmlFor={searchId} className="block text-sm font-medium text-slate-800">
          Find an account
        </label>
        <input
          id={searchId}
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          maxLength={200}
          autoComplete="off"
          aria-describedby={`${searchId}-status`}
          className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
        />
        <p id={`${searchId}-status`} role="status" className="min-h-4 text-xs text-slate-600">
          {status}
        </p>
      </div>
      <SelectInput label="Account" name="accountId" value={selected} onChange={(e) => setSelected(e.target.value)} error={error}>
        <option value="none">No account</option>
        {shown.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </SelectInput>
    </div>
  );
}
