-- wrk script of bench/carga.sh.
--
-- CARGA_CUERPO set: every request is a JSON POST of that body (POST /api/v1/sesiones).
-- CARGA_MEZCLA=1: the four benchmarked requests in turn (sign-in page; the authenticated page
--   with CARGA_COOKIE; POST /api/v1/sesiones with CARGA_CUERPO; GET /api/v1/avisos with the
--   bearer token CARGA_TOKEN).
-- Otherwise the command line's URL, method and headers (-H) are used.
--
-- Every answer outside 2xx is counted (wrk itself counts only >= 400, so a 302 to the sign-in
-- page would pass unnoticed). At the end one line: RESULTADO clave=valor …

local mezcla = os.getenv("CARGA_MEZCLA") == "1"
local cuerpo = os.getenv("CARGA_CUERPO") or ""

local hilos = {}
function setup(hilo)
  table.insert(hilos, hilo)
end

-- Per thread (each thread has its own Lua state); read back in done() with hilo:get().
no2xx = 0
estado_no2xx = 0

if mezcla then
  local json = { ["Content-Type"] = "application/json" }
  local portal = { ["Cookie"] = os.getenv("CARGA_COOKIE") }
  local api = { ["Authorization"] = "Bearer " .. (os.getenv("CARGA_TOKEN") or "") }
  local peticiones
  local i = 0
  function init(args)
    peticiones = {
      wrk.format("GET", "/ingresar", {}),
      wrk.format("GET", "/portal/mis-tramites/servicios-de-intercomunicacion", portal),
      wrk.format("POST", "/api/v1/sesiones", json, cuerpo),
      wrk.format("GET", "/api/v1/avisos?pagina=2", api),
    }
  end
  function request()
    i = i % #peticiones + 1
    return peticiones[i]
  end
elseif cuerpo ~= "" then
  wrk.method = "POST"
  wrk.body = cuerpo
  wrk.headers["Content-Type"] = "application/json"
end

function response(estado, cabeceras, contenido)
  if estado < 200 or estado > 299 then
    no2xx = no2xx + 1
    estado_no2xx = estado
  end
end

function done(resumen, latencia, peticiones)
  local fuera, ejemplo = 0, 0
  for _, hilo in ipairs(hilos) do
    fuera = fuera + hilo:get("no2xx")
    if hilo:get("estado_no2xx") ~= 0 then
      ejemplo = hilo:get("estado_no2xx")
    end
  end
  local e = resumen.errors
  io.write(string.format(
    "RESULTADO peticiones=%d rps=%.0f p50=%.1f p99=%.1f max=%.1f socket=%d conectar=%d leer=%d escribir=%d expiradas=%d no2xx=%d estado=%d\n",
    resumen.requests, resumen.requests / (resumen.duration / 1e6),
    latencia:percentile(50) / 1000, latencia:percentile(99) / 1000, latencia.max / 1000,
    e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout,
    fuera, ejemplo))
end
