-- Indexes for what runs per request or per purge at national scale (about a million employers,
-- their developers, sessions and tokens): no query on a hot path reads a whole table.
-- tests/escala.rs checks each query plan.
CREATE INDEX cuentas_rfc ON cuentas(rfc);
CREATE INDEX credenciales_cuenta ON credenciales(cuenta_id, rol);
CREATE INDEX relaciones_patron ON relaciones(patron_id, estado);
CREATE INDEX relaciones_desarrollador ON relaciones(desarrollador_id, estado);
CREATE INDEX sesiones_ultima_actividad ON sesiones(ultima_actividad);
CREATE INDEX sesiones_creada ON sesiones(creada);
CREATE INDEX sesiones_api_expira ON sesiones_api(expira);
CREATE INDEX productos_estado ON productos(estado);
