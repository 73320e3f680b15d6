import { expect, test } from "@playwright/test";
import { URL_DEMO, abrirGeneracion, aceptarTerminos, efirmaDemo, ingresar } from "../tests/comun";

// Browser benchmark (guide §2, Validar): in headless Chromium, the time from clicking Validar to
// the signed challenge leaving the browser, split into decrypt (read + parse + PBES2/3DES in
// wasm + checks), import (two non-extractable WebCrypto keys), the challenge round trip, and
// sign (WebCrypto RSA-PSS). Reports medians; asserts nothing about time
// (only that every measure exists).

const VUELTAS = Number(process.env.VUELTAS ?? 15);

const mediana = (xs: number[]) => {
  const o = [...xs].sort((a, b) => a - b);
  return o.length % 2 ? o[(o.length - 1) / 2] : (o[o.length / 2 - 1] + o[o.length / 2]) / 2;
};

test("Validar: de clic a reto firmado enviado", async ({ page }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO);
  const filas: Record<string, number>[] = [];
  for (let i = 0; i < VUELTAS + 2; i++) {
    await abrirGeneracion(page, URL_DEMO);
    await aceptarTerminos(page);
    await page.getByLabel("Adjunta el archivo .CER: *").setInputFiles(demo.cer);
    await page.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(demo.key);
    await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(demo.contrasena);
    await page.evaluate(() => {
      document.querySelector("#validar")!.addEventListener(
        "click", () => performance.mark("bench:clic"), { capture: true, once: true });
    });
    await page.getByRole("button", { name: "Validar" }).click();
    await page.getByRole("heading", { name: "Solicitud de trámite" }).waitFor();
    const fila = await page.evaluate(() => {
      const m = (n: string) => performance.getEntriesByName(n, "measure").at(-1)?.duration ?? NaN;
      const clic = performance.getEntriesByName("bench:clic", "mark")[0].startTime;
      const envio = performance.getEntriesByType("resource")
        .filter((e) => e.name.endsWith("/api/generacion/validar"))[0].startTime;
      const reto = performance.getEntriesByType("resource")
        .filter((e) => e.name.endsWith("/api/generacion/reto"))[0] as PerformanceResourceTiming;
      return {
        total: envio - clic,
        descifrar: m("efirma:descifrar"),
        importar: m("efirma:importar"),
        reto: reto.responseEnd - reto.startTime,
        firmar: m("efirma:firmar"),
      };
    });
    // A missing mark (renamed in the app, say) must fail the run, not print NaN.
    for (const [k, v] of Object.entries(fila)) expect(Number.isFinite(v) && v >= 0, `medida «${k}»`).toBe(true);
    if (i >= 2) filas.push(fila); // two warm-up rounds (wasm compiled and cached)
  }
  const resumen = Object.fromEntries(
    Object.keys(filas[0]).map((k) => [k, Number(mediana(filas.map((f) => f[k])).toFixed(1))]),
  );
  console.log(`\nValidar (mediana de ${VUELTAS}, ms): ${JSON.stringify(resumen)}`);
  test.info().annotations.push({ type: "mediana-ms", description: JSON.stringify(resumen) });
});
