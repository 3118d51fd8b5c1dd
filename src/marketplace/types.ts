/** What the marketplace stage reports, per architecture and product. */
export interface MarketplaceRow {
  arch: string;
  product: string;
  amiId: string;
  version: string;
  changeSet: string;
  /**
   * added (SUCCEEDED), validated (a dry run), already-there, submitted (still running when the wait
   * ended: a later run reports how it ends), failed (seen by an observing run), skipped.
   */
  state: 'added' | 'validated' | 'already-there' | 'submitted' | 'failed' | 'skipped';
  note: string;
}

export interface MarketplaceResult {
  composeId: string;
  skipped: boolean;
  rows: MarketplaceRow[];
}
