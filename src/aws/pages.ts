/**
 * Describe calls that can list many resources ask in pages of this many: the EC2 Developer Guide
 * ("Pagination in the Amazon EC2 API") warns that unpaginated ones over many resources may be
 * throttled or time out, and Fedora's account holds thousands of AMIs and snapshots per region.
 * 1,000 is the most one page holds.
 */
export const PAGE_SIZE = 1000;

/** Every item of a paginated describe call (one of the SDK's paginators), page after page. */
export async function everyItem<Page, Item>(
  pages: AsyncIterable<Page>,
  items: (page: Page) => Item[] | undefined,
): Promise<Item[]> {
  const all: Item[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}
