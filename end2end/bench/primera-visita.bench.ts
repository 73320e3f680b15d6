import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { TAB, URL_DEMO, ingresar } from "../tests/comun";

// Browser benchmark (issue 12), not part of the test command:
//   npx playwright test --config bench.config.ts bench/primera-visita.bench.ts
// 1. What each page downloads, as served with `Accept-Encoding: br, gzip` (bytes on the wire,
//    Chromium's encodedDataLength): the document, and the bundle (wasm + js + css).
// 2. A first visit (cache disabled) until hydrated (`body[data-hidratado]`), unthrottled and with
//    Chromium's network emulation at 1.6 Mbps down / 750 kbps up / 150 ms latency, for /ingresar and
//    the Servicios de Intercomunicación tab. Medians; asserts nothing about time.

const VUELTAS = Number(process.env.VUELTAS ?? 5);
const LENTA = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6e6 / 8) | 0,
  uploadThroughput: (750e3 / 8) | 0,
};

const mediana = (xs: number[]) => {
  const o = [...xs].sort((a, b) => a - b);
  return o.length % 2 ? o[(o.length - 1) / 2] : (o[o.length / 2 - 1] + o[o.length / 2]) / 2;
};

/// Records, in the page, when hydration marked the body (ms since navigation start).
const MARCA_HIDRATADO = () => {
  const ver = () => {
    if (document.body?.hasAttribute("data-hidratado")) {
      (window as unknown as { __hidratado: number }).__hidratado = performance.now();
      return true;
    }
    return false;
  };
  const observador = new MutationObserver(() => ver() && observador.disconnect());
  observador.observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hidratado"] });
};

async function visita(contexto: BrowserContext, ruta: string, red?: typeof LENTA) {
  const page: Page = await contexto.newPage();
  const cdp = await contexto.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  if (red) await cdp.send("Network.emulateNetworkConditions", red);
  const urls = new Map<string, string>();
  const bytes = new Map<string, number>();
  cdp.on("Network.responseReceived", (e) => urls.set(e.requestId, new URL(e.response.url).pathname));
  cdp.on("Network.loadingFinished", (e) => bytes.set(e.requestId, e.encodedDataLength));
  await page.addInitScript(MARCA_HIDRATADO);
  await page.goto(`${URL_DEMO}${ruta}`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached({ timeout: 60_000 });
  const hidratado = await page.evaluate(() => (window as unknown as { __hidratado: number }).__hidratado);
  await page.waitForLoadState("networkidle");
  let paquete = 0;
  let documento = 0;
  const detalle: Record<string, number> = {};
  for (const [id, ruta_] of urls) {
    const n = bytes.get(id) ?? 0;
    if (ruta_.startsWith("/pkg/")) {
      paquete += n;
      detalle[ruta_.split(".").at(-1)!] = (detalle[ruta_.split(".").at(-1)!] ?? 0) + n;
    } else if (ruta_ === ruta) documento += n;
  }
  await page.close();
  return { hidratado, paquete, documento, detalle };
}

for (const [nombre, ruta, sesion] of [
  ["ingresar", "/ingresar", false],
  ["pestana", TAB, true],
] as const) {
  test(`primera visita: ${nombre}`, async ({ browser }) => {
    test.setTimeout(600_000);
    const medir = async (red?: typeof LENTA) => {
      const filas = [];
      for (let i = 0; i < VUELTAS; i++) {
        const contexto = await browser.newContext();
        if (sesion) {
          const p = await contexto.newPage();
          await ingresar(p, URL_DEMO);
          await p.close();
        }
        filas.push(await visita(contexto, ruta, red));
        await contexto.close();
      }
      return filas;
    };
    const rapida = await medir();
    const lenta = await medir(LENTA);
    for (const f of [...rapida, ...lenta]) expect(Number.isFinite(f.hidratado) && f.paquete > 0).toBe(true);
    const resumen = {
      pagina: ruta,
      paquete_kb: Number((mediana(rapida.map((f) => f.paquete)) / 1024).toFixed(1)),
      detalle_kb: Object.fromEntries(
        Object.entries(rapida[0].detalle).map(([k, v]) => [k, Number((v / 1024).toFixed(1))]),
      ),
      documento_kb: Number((mediana(rapida.map((f) => f.documento)) / 1024).toFixed(1)),
      hidratado_ms: Number(mediana(rapida.map((f) => f.hidratado)).toFixed(0)),
      hidratado_red_lenta_ms: Number(mediana(lenta.map((f) => f.hidratado)).toFixed(0)),
    };
    console.log(`\nPrimera visita (mediana de ${VUELTAS}): ${JSON.stringify(resumen)}`);
    test.info().annotations.push({ type: "primera-visita", description: JSON.stringify(resumen) });
  });
}
