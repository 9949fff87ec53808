import { assertNever } from '../../../shared/util/assert-never';
import type {
  CatalogLocation,
  CatalogReadStore,
  CatalogWriteStore,
  LockPolicy,
} from './catalog-types';
import { createDirectoryWriteStore, openDirectoryStore } from './directory-store';
import { createS3WriteStore, openS3Store } from './s3-store';

/**
 * Opens the store a location names, for reading.
 *
 * The one dispatch on the location's kind, so callers never build stores themselves.
 */
export function openStore(location: CatalogLocation): CatalogReadStore {
  switch (location.kind) {
    case 'directory':
      return openDirectoryStore(location.path);
    case 's3':
      return openS3Store(location);
    default:
      return assertNever(location, 'catalog location');
  }
}

/** The retention a new S3 catalog gets unless told otherwise: COMPLIANCE for 30 days. */
export const defaultLockPolicy: LockPolicy = {
  mode: 'COMPLIANCE',
  retainDays: 30,
  legalHold: false,
};

/**
 * Opens the store a location names, for writing once per key.
 *
 * The lock policy applies to S3 only; a directory cannot carry one.
 */
export function openWriteStore(
  location: CatalogLocation,
  lock: LockPolicy = defaultLockPolicy,
): CatalogWriteStore {
  switch (location.kind) {
    case 'directory':
      return createDirectoryWriteStore(location.path);
    case 's3':
      return createS3WriteStore(location, lock);
    default:
      return assertNever(location, 'catalog location');
  }
}
