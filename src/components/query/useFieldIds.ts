import { useId } from 'react';

/**
 * Element ids for one query editor instance. Explore's split view shows two
 * editors of the same refId side by side; ids made from the refId alone
 * would repeat, and radio buttons sharing a name form one group, so one
 * editor would lose its selection to the other.
 */
export function useFieldIds(refId: string): (field: string) => string {
  // React's ids look like ":r1:"; keep what is valid in a CSS selector.
  const instance = useId().replace(/[^A-Za-z0-9_-]/g, '');
  return (field) => `${instance}-${refId}-${field}`;
}
