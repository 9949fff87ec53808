import type { KeyTrust, SnapshotTrust } from '../../../shared/catalog/catalog-view';
import { assertNever } from '../../../shared/util/assert-never';
import type { CatalogStanding } from './store';

/** A snapshot's signature state as a badge: signed, unsigned (an import), bad signature. */
export function TrustBadge(props: { readonly trust: SnapshotTrust }) {
  switch (props.trust) {
    case 'signed':
      return <span className="tag tag--ok">signed</span>;
    case 'unsigned':
      return <span className="tag tag--missing">unsigned</span>;
    case 'bad-signature':
      return <span className="tag tag--error">bad signature</span>;
    default:
      return assertNever(props.trust, 'snapshot trust');
  }
}

/** How the catalog's key is trusted, in words a user can act on. */
export function keyTrustText(trust: KeyTrust): string {
  switch (trust) {
    case 'pinned':
      return 'Key pinned: signatures checked against the key you gave.';
    case 'trust-on-first-use':
      return 'Key trusted on first use: signatures checked against the key the catalog names. Pin its fingerprint from a trusted record to detect a swapped key.';
    case 'mismatch':
      return 'Key mismatch: the catalog names a different key than the one you pinned. Its snapshots cannot be trusted.';
    case 'unsigned':
      return 'Unsigned import: hashes were computed on import; nothing vouches for the content.';
    default:
      return assertNever(trust, 'key trust');
  }
}

/** The catalog's standing as a chip: verified, problems, not verified. */
export function StandingChip(props: { readonly standing: CatalogStanding }) {
  const { standing } = props;
  switch (standing) {
    case 'verified':
      return (
        <span className="tag tag--ok" data-testid="catalog-standing" data-standing={standing}>
          verified
        </span>
      );
    case 'problems':
      return (
        <span className="tag tag--error" data-testid="catalog-standing" data-standing={standing}>
          problems
        </span>
      );
    case 'not-verified':
      return (
        <span className="tag tag--neutral" data-testid="catalog-standing" data-standing={standing}>
          not verified
        </span>
      );
    default:
      return assertNever(standing, 'catalog standing');
  }
}
