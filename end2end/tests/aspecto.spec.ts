import { expect, test, type Page } from "@playwright/test";
import { TAB, URL_DEMO, ingresar } from "./comun";

// The Portal's look (issue 15): the government's graphic identity — guinda header with a dorado
// line, verde footer, Montserrat headings and Noto Sans text, self-hosted (no request leaves the
// portal's origin) and asked for only once the page is hydrated — at a phone's width and a
// desktop's, with a screenshot of each in the report. Contrast is axe's (accesibilidad.spec.ts).

const ANCHOS = [390, 1280];

async function revisar(page: Page, nombre: string, ancho: number) {
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await page.evaluate(() => document.fonts.ready);
  const aspecto = await page.evaluate(() => {
    const estilo = (selector: string) => getComputedStyle(document.querySelector(selector)!);
    return {
      fuentes: {
        montserrat: document.fonts.check('700 16px "Montserrat"'),
        noto: document.fonts.check('400 16px "Noto Sans"'),
        notoNegrita: document.fonts.check('700 16px "Noto Sans"'),
      },
      titulo: estilo("h1").fontFamily,
      texto: estilo("body").fontFamily,
      encabezado: estilo(".encabezado").backgroundColor,
      lineaEncabezado: estilo(".encabezado").borderBottomColor,
      pie: estilo(".pie").backgroundColor,
      linea: estilo(".pie").borderTopColor,
      desborde: document.documentElement.scrollWidth - window.innerWidth,
    };
  });
  expect(aspecto.fuentes, nombre).toEqual({ montserrat: true, noto: true, notoNegrita: true });
  expect(aspecto.titulo).toMatch(/^"?Montserrat"?,/);
  expect(aspecto.texto).toMatch(/^"?Noto Sans"?,/);
  expect(aspecto.encabezado).toBe("rgb(105, 28, 50)"); // guinda #691C32
  expect(aspecto.lineaEncabezado).toBe("rgb(221, 201, 163)"); // dorado #DDC9A3
  expect(aspecto.pie).toBe("rgb(35, 91, 78)"); // verde #235B4E
  expect(aspecto.linea).toBe("rgb(221, 201, 163)");
  // Nothing wider than the screen: no sideways scrolling on a phone.
  expect(aspecto.desborde, `${nombre} a ${ancho} px`).toBeLessThanOrEqual(0);
  await test.info().attach(`${nombre}-${ancho}px.png`, {
    body: await page.screenshot({ fullPage: true }),
    contentType: "image/png",
  });
}

for (const ancho of ANCHOS) {
  test(`el portal con la identidad gráfica del gobierno, a ${ancho} px`, async ({ page }) => {
    await page.setViewportSize({ width: ancho, height: 900 });
    const ajenas: string[] = [];
    const fuentes: { url: string; estado: number; tipo?: string; cache?: string }[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(URL_DEMO) && !r.url().startsWith("data:")) ajenas.push(r.url());
    });
    page.on("response", (r) => {
      if (r.url().includes("/fuentes/")) {
        fuentes.push({
          url: new URL(r.url()).pathname,
          estado: r.status(),
          tipo: r.headers()["content-type"],
          cache: r.headers()["cache-control"],
        });
      }
    });

    await page.goto(`${URL_DEMO}/ingresar`);
    await revisar(page, "ingresar", ancho);
    await ingresar(page, URL_DEMO);
    await page.goto(`${URL_DEMO}${TAB}`);
    await expect(page.getByRole("heading", { level: 2, name: "Generación de contraseña" })).toBeVisible();
    await revisar(page, "servicios-de-intercomunicacion", ancho);

    expect(ajenas).toEqual([]);
    const pedidas = [...new Set(fuentes.map((f) => f.url))].sort();
    expect(pedidas).toEqual([
      "/fuentes/montserrat-latin-700-normal.woff2",
      "/fuentes/noto-sans-latin-400-normal.woff2",
      "/fuentes/noto-sans-latin-700-normal.woff2",
    ]);
    for (const f of fuentes) {
      expect(f.estado, f.url).toBe(200);
      expect(f.tipo, f.url).toBe("font/woff2");
      expect(f.cache, f.url).toBe("public, max-age=604800");
    }
  });
}

test("sin hidratar, la página no pide fuentes: no compiten con el wasm en una red lenta", async ({ browser }) => {
  const contexto = await browser.newContext({ javaScriptEnabled: false });
  const page = await contexto.newPage();
  const fuentes: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/fuentes/")) fuentes.push(r.url());
  });
  await page.goto(`${URL_DEMO}/ingresar`);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(fuentes).toEqual([]);
  await contexto.close();
});
