// Safe fetching of client-given URLs (SSRF guard). See fetch-image.ts for the rules.
export { checkAddress, type AddressVerdict } from "./address.ts";
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_TIMEOUT_MS,
  fetchImageAsBase64,
  type FetchedImage,
  type FetchImageOptions,
} from "./fetch-image.ts";
