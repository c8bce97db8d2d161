/** How long one call of a vendor's history API may take, unless configured otherwise. */
export const defaultRequestTimeoutMs = 10_000;
