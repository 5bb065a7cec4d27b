import { ASSOCIATION_TYPES, ID_BASE, type ObjectType } from './constants';
import type { HsRecord } from './records';

/**
 * Contact ↔ company associations. The generated "works at" links (every generated
 * contact's primary company) live in typed arrays — a CSR index gives each company's
 * contacts — so a million contacts cost a few megabytes; links written through the
 * API live in maps. A generated link that is changed or removed is first copied into
 * the maps ("materialised") and then masked.
 */

export interface AssociationLink {
  /** The id of the record on the other side. */
  id: number;
  primary: boolean;
}

export class AssociationIndex {
  private readonly genCompanyOfContact: Int32Array;
  private readonly genStart: Int32Array;
  private readonly genContacts: Int32Array;
  /** Contacts (by id) whose generated link no longer applies. */
  private readonly masked = new Set<number>();
  private readonly explicit = new Map<number, Map<number, boolean>>();
  private readonly reverse = new Map<number, Set<number>>();

  /** `companyRowOfContact[i]` is contact row i's company row, or -1. */
  constructor(companyRowOfContact: ArrayLike<number>, companyCount: number) {
    const contacts = companyRowOfContact.length;
    this.genCompanyOfContact = new Int32Array(contacts);
    const counts = new Int32Array(companyCount + 1);
    for (let i = 0; i < contacts; i++) {
      const row = companyRowOfContact[i]!;
      this.genCompanyOfContact[i] = row >= 0 && row < companyCount ? ID_BASE.companies + row : 0;
      if (row >= 0 && row < companyCount) counts[row + 1]! += 1;
    }
    for (let c = 0; c < companyCount; c++) counts[c + 1]! += counts[c]!;
    this.genStart = counts;
    this.genContacts = new Int32Array(counts[companyCount] ?? 0);
    const fill = counts.slice(0, companyCount);
    for (let i = 0; i < contacts; i++) {
      const row = companyRowOfContact[i]!;
      if (row >= 0 && row < companyCount) this.genContacts[fill[row]!++] = ID_BASE.contacts + i;
    }
  }

  private generatedCompany(contact: HsRecord): number {
    if (contact.gen < 0 || this.masked.has(contact.id)) return 0;
    return this.genCompanyOfContact[contact.gen] ?? 0;
  }

  /** The companies of a contact (primary flag from the contact's side). */
  companiesOf(contact: HsRecord): AssociationLink[] {
    const out: AssociationLink[] = [];
    const generated = this.generatedCompany(contact);
    if (generated) out.push({ id: generated, primary: true });
    for (const [id, primary] of this.explicit.get(contact.id) ?? []) out.push({ id, primary });
    return out.sort((a, b) => a.id - b.id);
  }

  /** The contacts of a company; `primary` means the company is that contact's primary company. */
  contactsOf(company: HsRecord): AssociationLink[] {
    const out: AssociationLink[] = [];
    if (company.gen >= 0) {
      for (let k = this.genStart[company.gen]!; k < this.genStart[company.gen + 1]!; k++) {
        const contactId = this.genContacts[k]!;
        if (!this.masked.has(contactId)) out.push({ id: contactId, primary: true });
      }
    }
    for (const contactId of this.reverse.get(company.id) ?? []) out.push({ id: contactId, primary: this.explicit.get(contactId)?.get(company.id) ?? false });
    return out.sort((a, b) => a.id - b.id);
  }

  primaryCompanyOf(contact: HsRecord): number | null {
    const generated = this.generatedCompany(contact);
    if (generated) return generated;
    for (const [id, primary] of this.explicit.get(contact.id) ?? []) if (primary) return id;
    return null;
  }

  countContacts(company: HsRecord): number {
    let n = this.reverse.get(company.id)?.size ?? 0;
    if (company.gen >= 0) {
      for (let k = this.genStart[company.gen]!; k < this.genStart[company.gen + 1]!; k++) if (!this.masked.has(this.genContacts[k]!)) n += 1;
    }
    return n;
  }

  private materialise(contact: HsRecord): void {
    const generated = this.generatedCompany(contact);
    if (!generated) return;
    this.masked.add(contact.id);
    this.setExplicit(contact.id, generated, true);
  }

  private setExplicit(contactId: number, companyId: number, primary: boolean): void {
    let links = this.explicit.get(contactId);
    if (!links) this.explicit.set(contactId, (links = new Map()));
    links.set(companyId, primary);
    let back = this.reverse.get(companyId);
    if (!back) this.reverse.set(companyId, (back = new Set()));
    back.add(contactId);
  }

  /**
   * Associates a contact with a company. `primary: true` makes it the contact's
   * primary company (demoting the previous one); false keeps an existing primary
   * label. Returns whether anything changed.
   */
  link(contact: HsRecord, companyId: number, primary: boolean): boolean {
    this.materialise(contact);
    const links = this.explicit.get(contact.id);
    const existing = links?.get(companyId);
    if (existing !== undefined && (existing || !primary)) return false;
    if (primary && links) for (const [id, isPrimary] of links) if (isPrimary && id !== companyId) links.set(id, false);
    this.setExplicit(contact.id, companyId, primary);
    return true;
  }

  /** Removes the association, or only its Primary label. Returns whether anything changed. */
  unlink(contact: HsRecord, companyId: number, onlyPrimaryLabel = false): boolean {
    this.materialise(contact);
    const links = this.explicit.get(contact.id);
    const existing = links?.get(companyId);
    if (existing === undefined || !links) return false;
    if (onlyPrimaryLabel) {
      if (!existing) return false;
      links.set(companyId, false);
      return true;
    }
    links.delete(companyId);
    if (links.size === 0) this.explicit.delete(contact.id);
    const back = this.reverse.get(companyId);
    back?.delete(contact.id);
    if (back?.size === 0) this.reverse.delete(companyId);
    return true;
  }
}

/** The association type ids of a link as seen from `from`'s side. */
export function typeIdsOf(from: ObjectType, primary: boolean): number[] {
  const ids = from === 'contacts' ? ASSOCIATION_TYPES.contactToCompany : ASSOCIATION_TYPES.companyToContact;
  return primary ? [ids.primary, ids.unlabeled] : [ids.unlabeled];
}
