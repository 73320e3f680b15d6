import { expect, test } from "@playwright/test";
import { TAB, URL_DEMO, aceptarTerminos, ingresar } from "./comun";

// The serving contract of the real release build (issue 12; server/tests/integracion/estaticos.rs checks the
// same over a made-up site): the HTML names content-hashed files; each goes out brotli-compressed
// when asked, gzip when only gzip is asked, as it is otherwise, with `Vary: Accept-Encoding`;
// hashed files are immutable, HTML is `no-store`; a missing file is a plain 404.

const ACTIVOS = /\/pkg\/intercomunicacion\.[A-Za-z0-9_-]{8,}\.(?:js|wasm|css)/g;

test("el paquete del portal se sirve comprimido, con nombres con hash e inmutable", async ({ request }) => {
  const pagina = await request.get(`${URL_DEMO}/ingresar`);
  expect(pagina.status()).toBe(200);
  expect(pagina.headers()["cache-control"]).toBe("no-store");
  const html = await pagina.text();
  const activos = [...new Set(html.match(ACTIVOS) ?? [])].sort();
  // The script, the wasm it loads and the style sheet, each under its hashed name.
  expect(activos.map((a) => a.split(".").at(-1)).sort()).toEqual(["css", "js", "wasm"]);
  expect(html).not.toContain("/pkg/intercomunicacion.css");

  for (const activo of activos) {
    const tamanos: Record<string, number> = {};
    for (const [pide, esperada] of [
      ["br, gzip", "br"],
      ["gzip", "gzip"],
      ["identity", undefined],
    ] as const) {
      const r = await request.get(`${URL_DEMO}${activo}`, { headers: { "accept-encoding": pide } });
      const h = r.headers();
      expect(r.status(), `${activo} (${pide})`).toBe(200);
      expect(h["content-encoding"], `${activo} (${pide})`).toBe(esperada);
      expect(h["vary"], `${activo} (${pide})`).toBe("accept-encoding");
      expect(h["cache-control"], `${activo} (${pide})`).toBe("public, max-age=31536000, immutable");
      tamanos[pide] = Number(h["content-length"]);
    }
    // Real compression: brotli beats gzip, and both beat the file itself.
    expect(tamanos["br, gzip"], activo).toBeLessThan(tamanos["gzip"]);
    expect(tamanos["gzip"], activo).toBeLessThan(tamanos["identity"]);
  }

  const falta = await request.get(`${URL_DEMO}/pkg/intercomunicacion.0000000000000000.wasm`);
  expect(falta.status()).toBe(404);
  expect(falta.headers()["content-type"] ?? "").not.toContain("text/html");
  expect(await falta.text()).not.toContain("<html");
});

test("la pestaña y el inicio de sesión piden el mismo paquete, comprimido; el de la e.firma llega con su formulario", async ({ page }) => {
  const codificaciones = new Map<string, { codificacion?: string; cache?: string }>();
  page.on("response", (r) => {
    if (r.url().includes("/pkg/"))
      codificaciones.set(new URL(r.url()).pathname, {
        codificacion: r.headers()["content-encoding"], cache: r.headers()["cache-control"],
      });
  });
  await ingresar(page, URL_DEMO);
  await page.goto(`${URL_DEMO}${TAB}`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  expect([...codificaciones.keys()].length).toBeGreaterThanOrEqual(3);
  for (const [ruta, { codificacion }] of codificaciones) expect(codificacion, ruta).toBe("br");
  // The release build is split (cargo leptos --split): the e.firma's wasm is not part of the
  // first download of any page...
  const efirma = (ruta: string) => /\/pkg\/split_abrir_[^/]+\.wasm$/.test(ruta);
  expect([...codificaciones.keys()].filter(efirma)).toEqual([]);
  // ...and arrives, compressed and immutable, when the e.firma form is shown.
  const llega = page.waitForResponse((r) => efirma(new URL(r.url()).pathname));
  await aceptarTerminos(page);
  const r = await llega;
  expect(r.status()).toBe(200);
  expect(r.headers()["content-encoding"]).toBe("br");
  expect(r.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
});
