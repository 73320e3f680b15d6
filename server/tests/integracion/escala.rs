//! At national scale (about a million employers) a query that reads a whole table on every
//! request is an outage waiting for a busy day. Each query on a hot path — sign-in, sessions, the
//! e.firma flow, the API, the outbox, the purges — is planned here by the engine under test and
//! must be served by an index (SQLite: no `SCAN <table>`; PostgreSQL, with sequential scans
//! discouraged: no `Seq Scan`).

use crate::comun;

use comun::Datos;
use servidor::bd;

/// The hot queries, as the server writes them (placeholders bound to sample values).
const CONSULTAS: &[(&str, &str)] = &[
    ("ingreso por NRP", "SELECT id, correo, contrasena_hash FROM cuentas WHERE nrp = $1"),
    ("cuenta por id", "SELECT nrp, rfc, razon_social, correo FROM cuentas WHERE id = $1"),
    ("API: patrón por RFC", "SELECT id FROM cuentas WHERE rfc = $1"),
    (
        "API: credenciales del desarrollador por RFC",
        "SELECT c.id, cr.id, cr.esquema, cr.hash FROM cuentas c JOIN credenciales cr ON cr.cuenta_id = c.id \
         WHERE c.rfc = $1 AND cr.rol = 'desarrollador' AND cr.estado = 'activa'",
    ),
    (
        "credencial activa",
        "SELECT id, folio, estado, no_certificado, emitida FROM credenciales WHERE cuenta_id = $1 AND rol = $2 AND estado = 'activa'",
    ),
    (
        "credencial por folio",
        "SELECT id, folio, estado, no_certificado, emitida, terminada FROM credenciales WHERE cuenta_id = $1 AND folio = $2",
    ),
    (
        "API: relación activa",
        "SELECT r.id, p.estado FROM relaciones r JOIN productos p ON p.id = r.producto_id \
         WHERE r.patron_id = $1 AND r.desarrollador_id = $2 AND r.estado = 'activa' AND p.cuenta_id = r.desarrollador_id",
    ),
    ("relaciones del patrón", "SELECT id FROM relaciones WHERE patron_id = $1 ORDER BY id"),
    ("patrones que confían en el desarrollador", "SELECT id FROM relaciones WHERE desarrollador_id = $1 ORDER BY id"),
    ("productos del desarrollador", "SELECT id FROM productos WHERE cuenta_id = $1 ORDER BY id"),
    ("productos por certificar", "SELECT id FROM productos WHERE estado = 'solicitado' ORDER BY id"),
    ("sesión del portal", "SELECT cuenta_id, creada, ultima_actividad FROM sesiones WHERE id_hash = $1"),
    ("purga de sesiones", "DELETE FROM sesiones WHERE ultima_actividad < $1 OR creada < $2"),
    ("sesión de la API", "SELECT patron_id FROM sesiones_api WHERE token_hash = $1"),
    ("purga de sesiones de la API", "DELETE FROM sesiones_api WHERE expira <= $1"),
    (
        "límites",
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN pendiente = 1 AND momento > $3 THEN 1 ELSE 0 END), 0), \
         MIN(CASE WHEN pendiente = 0 OR momento <= $3 THEN momento END) \
         FROM intentos_fallidos WHERE clave = $1 AND momento > $2",
    ),
    ("plaza de un límite", "UPDATE intentos_fallidos SET pendiente = 0 WHERE id = $1"),
    ("reto", "SELECT id_hash FROM retos WHERE id_hash = $1"),
    ("purga de retos", "DELETE FROM retos WHERE expira < $1"),
    ("purga de captchas", "DELETE FROM captchas WHERE expira < $1"),
    (
        "avisos del patrón",
        "SELECT id FROM avisos WHERE nrp = $1 AND fecha >= $2 AND fecha <= $3 ORDER BY fecha, id LIMIT 100",
    ),
    ("acuse por folio", "SELECT folio FROM acuses WHERE folio = $1"),
    (
        "buzón de salida",
        "SELECT id FROM correos WHERE estado = 'pendiente' AND proximo_intento <= $1 ORDER BY proximo_intento, id LIMIT 1",
    ),
];

#[tokio::test]
async fn cada_consulta_frecuente_usa_un_indice() {
    let datos = Datos::nuevos().await;
    let base = datos.conectar().await;
    bd::migrar(&base, &datos.url).await.expect("migraciones");
    let postgres = datos.es_postgres();
    let mut conexion = base.acquire().await.expect("conexión");
    if postgres {
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conexion)
            .await
            .expect("SET");
    }
    if postgres {
        // The plan the server's prepared statements get once PostgreSQL stops looking at the
        // parameters' values.
        sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
            .execute(&mut *conexion)
            .await
            .expect("SET");
    }
    let mut sin_indice = Vec::new();
    for (nombre, consulta) in CONSULTAS {
        // Parameters: the highest `$N` (one may appear twice).
        let n = consulta
            .split('$')
            .skip(1)
            .filter_map(|t| {
                t.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        let filas = if postgres {
            let preparar = format!("PREPARE consulta AS {consulta}");
            sqlx::raw_sql(&preparar)
                .execute(&mut *conexion)
                .await
                .unwrap_or_else(|e| panic!("{nombre}: {e}"));
            let explicar = if n == 0 {
                "EXPLAIN EXECUTE consulta".to_owned()
            } else {
                format!("EXPLAIN EXECUTE consulta({})", vec!["'1'"; n].join(", "))
            };
            let filas = sqlx::query(&explicar)
                .fetch_all(&mut *conexion)
                .await
                .unwrap_or_else(|e| panic!("{nombre}: {e}"));
            sqlx::raw_sql("DEALLOCATE consulta")
                .execute(&mut *conexion)
                .await
                .expect("DEALLOCATE");
            filas
        } else {
            let explicar = format!("EXPLAIN QUERY PLAN {consulta}");
            let mut q = sqlx::query(&explicar);
            for _ in 0..n {
                q = q.bind("x");
            }
            q.fetch_all(&mut *conexion)
                .await
                .unwrap_or_else(|e| panic!("{nombre}: {e}"))
        };
        let plan: Vec<String> = filas
            .iter()
            .map(|f| {
                use sqlx::Row;
                // SQLite: (id, parent, notused, detail); PostgreSQL: one text column.
                f.try_get::<String, _>(if postgres { 0 } else { 3 })
                    .unwrap_or_default()
            })
            .collect();
        let recorre = plan.iter().any(|l| {
            if postgres {
                l.contains("Seq Scan")
            } else {
                // "SCAN t" reads the table; "SCAN t USING [COVERING] INDEX i" walks an index.
                l.starts_with("SCAN ") && !l.contains(" USING ")
            }
        });
        if recorre {
            sin_indice.push(format!("{nombre}:\n  {}", plan.join("\n  ")));
        }
    }
    assert!(
        sin_indice.is_empty(),
        "consultas que recorren una tabla entera:\n{}",
        sin_indice.join("\n")
    );
}
