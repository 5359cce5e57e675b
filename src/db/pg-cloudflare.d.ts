// pg-cloudflare's published types describe its Node entry (an empty stub); its Workers entry, which
// wrangler bundles through the "workerd" export condition, exports this socket.
declare module "pg-cloudflare" {
  export class CloudflareSocket {
    constructor(ssl: boolean);
  }
}
