import { expect, test } from "@playwright/test";
import { URL_DEMO, abrirGeneracion, aceptarTerminos, efirmaDemo, ingresar } from "../tests/comun";

// Browser benchmark (guide §2, Validar; issue 12): in headless Chromium, in a freshly loaded tab,
// the time from clicking Validar to "Solicitud de trámite" on screen, split into read (the two
// files), certificado (parse + local checks), derive (PBKDF2 by WebCrypto), decrypt (3DES + ASN.1
// in wasm), import (two non-extractable WebCrypto keys), sign (WebCrypto RSA-PSS), the challenge
// round trip if it was not already fetched when the .CER was chosen, and the validation round
// trip. Reports medians; asserts nothing about time (only that every measure exists).

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
    // As an employer does it: the .CER chosen, then the .KEY and the password typed, by which time
    // the challenge asked for on choosing the .CER has arrived.
    const previo = page.waitForResponse((r) => r.url().endsWith("/api/generacion/reto"));
    await page.getByLabel("Adjunta el archivo .CER: *").setInputFiles(demo.cer);
    await page.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(demo.key);
    await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(demo.contrasena);
    await previo;
    await page.evaluate(() => {
      document.querySelector("#validar")!.addEventListener(
        "click", () => performance.mark("bench:clic"), { capture: true, once: true });
      // When "Solicitud de trámite" is on screen.
      const ver = new MutationObserver(() => {
        if ([...document.querySelectorAll("h3")].some((h) => h.textContent === "Solicitud de trámite")) {
          performance.mark("bench:solicitud");
          ver.disconnect();
        }
      });
      ver.observe(document.body, { childList: true, subtree: true });
    });
    await page.getByRole("button", { name: "Validar" }).click();
    await page.getByRole("heading", { name: "Solicitud de trámite" }).waitFor();
    const fila = await page.evaluate(() => {
      const m = (n: string) => performance.getEntriesByName(n, "measure").at(-1)?.duration ?? NaN;
      const marca = (n: string) => performance.getEntriesByName(n, "mark").at(-1)!.startTime;
      const clic = marca("bench:clic");
      const recurso = (fin: string) => performance.getEntriesByType("resource")
        .filter((e) => e.name.endsWith(fin)).at(-1) as PerformanceResourceTiming;
      const reto = recurso("/api/generacion/reto");
      const validar = recurso("/api/generacion/validar");
      return {
        total: marca("bench:solicitud") - clic,
        hasta_envio: validar.startTime - clic,
        leer: m("efirma:leer"),
        certificado: m("efirma:certificado"),
        derivar: m("efirma:derivar"),
        descifrar: m("efirma:descifrar"),
        importar: m("efirma:importar"),
        firmar: m("efirma:firmar"),
        // The challenge asked for when the .CER was chosen: no round trip after the click.
        reto_tras_clic: reto.startTime > clic ? reto.responseEnd - reto.startTime : 0,
        validar: validar.responseEnd - validar.startTime,
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
