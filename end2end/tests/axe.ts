// axe-core (Deque's accessibility engine, through @axe-core/playwright) on the page as it is now:
// every WCAG 2.0, 2.1 and 2.2 A/AA rule axe has. No rule is disabled.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const NORMAS_WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Fails with a readable list (rule, impact, elements, what to fix) when axe finds any violation.
export async function sinViolaciones(page: Page, estado: string) {
  const resultado = await new AxeBuilder({ page }).withTags(NORMAS_WCAG).analyze();
  const violaciones = resultado.violations.map((v) => ({
    regla: v.id,
    impacto: v.impact,
    ayuda: v.help,
    elementos: v.nodes.map((n) => `${n.target.join(" ")} — ${n.failureSummary?.replace(/\s+/g, " ")}`),
  }));
  expect(violaciones, `violaciones de accesibilidad en «${estado}» (${page.url()})`).toEqual([]);
  // axe did look at the page (an empty run would pass anything).
  expect(resultado.passes.length, `axe no revisó «${estado}»`).toBeGreaterThan(3);
}
