import { useSearchParams } from '@remix-run/react';
import { Alert } from '../ui/alert';

/**
 * After a redirect, `?notice=<key>` says what just happened. Only known keys show a
 * message, so a crafted link cannot put words on the page.
 */
const notices: Record<string, string> = {
  'lead-created': 'Lead created.',
  'lead-saved': 'Lead saved.',
  'lead-deleted': 'Lead deleted.',
  'lead-merged': 'Leads merged: this lead now holds both timelines.',
  'lead-merged-new': 'Merged what you entered into this existing lead.',
  'account-created': 'Account created.',
  'account-saved': 'Account saved.',
  'account-deleted': 'Account deleted.',
  'account-merged': 'Accounts merged: this account now holds both timelines, their contacts and CRM links.',
  'contact-created': 'Contact created.',
  'contact-saved': 'Contact saved.',
  'contact-deleted': 'Contact deleted.',
  'contact-merged': 'Contacts merged: this contact now holds both timelines and CRM links.',
};

export function Notice() {
  const [params] = useSearchParams();
  const message = notices[params.get('notice') ?? ''];
  return message ? (
    <div className="mb-4">
      <Alert tone="success">{message}</Alert>
    </div>
  ) : null;
}
