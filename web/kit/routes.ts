// Route options of every console page. Pages are not API: they stay out of the OpenAPI
// documents. Form posts take parse: "none" and read their own urlencoded body (readForm),
// so the gateway's JSON body parser never sees them.
export const HIDDEN = { detail: { hide: true } } as const;
export const FORM = { parse: "none", detail: { hide: true } } as const;
