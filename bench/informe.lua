-- wrk script for the API benchmark. With BENCH_CUERPO set, every request is a JSON POST of
-- that body; otherwise the command line's method and headers are used. At the end, one line
-- with requests/s, p50, p99 and errors (wrk counts answers ≥ 400 as status errors).
local cuerpo = os.getenv("BENCH_CUERPO")
if cuerpo and cuerpo ~= "" then
  wrk.method = "POST"
  wrk.body = cuerpo
  wrk.headers["Content-Type"] = "application/json"
end

done = function(resumen, latencia, peticiones)
  local s = resumen.duration / 1e6
  local errores = resumen.errors.connect + resumen.errors.read + resumen.errors.write
    + resumen.errors.timeout + resumen.errors.status
  io.write(string.format(
    "RESULTADO peticiones=%d req/s=%.0f p50=%.2fms p99=%.2fms errores=%d (de ellos >=400: %d)\n",
    resumen.requests, resumen.requests / s, latencia:percentile(50) / 1000,
    latencia:percentile(99) / 1000, errores, resumen.errors.status))
end
