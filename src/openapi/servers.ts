// Where the API is served. The hosts are the custom domains wrangler.toml routes each region to
// (test/unit/openapi.test.ts keeps the two equal): change them there and here together.
export const SERVERS = [
  { url: "https://analytics-us.example.com", description: "US deployment (wrangler env us)" },
  { url: "https://analytics-eu.example.com", description: "EU deployment (wrangler env eu)" },
  { url: "http://127.0.0.1:8787", description: "Local development (npm start / npm run dev)" },
];
