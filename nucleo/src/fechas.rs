//! Dates as the employer reads them. Times are kept as Unix seconds (UTC); the screens and the
//! acuse show them in Mexico City time, which has been UTC−6 all year since daylight saving
//! time ended in 2022 (Ley de los Husos Horarios, DOF 28/10/2022).

/// Mexico City's offset from UTC, in seconds.
pub const DESFASE_CDMX: i64 = -6 * 3600;

/// (year, month, day, hour, minute, second) of a Unix time shifted by `desfase` seconds.
pub fn civil(unix: i64, desfase: i64) -> (i64, u32, u32, u32, u32, u32) {
    let t = unix + desfase;
    let (dias, segundos) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Days to civil date (Howard Hinnant's algorithm), proleptic Gregorian calendar.
    let z = dias + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dia = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let mes = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let anio = yoe + era * 400 + i64::from(mes <= 2);
    let s = segundos as u32;
    (anio, mes, dia, s / 3600, s % 3600 / 60, s % 60)
}

/// `27/11/2026 05:00` in Mexico City time.
pub fn cdmx(unix: i64) -> String {
    let (a, m, d, h, mi, _) = civil(unix, DESFASE_CDMX);
    format!("{d:02}/{m:02}/{a} {h:02}:{mi:02}")
}

/// `27/11/2026 05:00:00` in Mexico City time.
pub fn cdmx_con_segundos(unix: i64) -> String {
    let (a, m, d, h, mi, s) = civil(unix, DESFASE_CDMX);
    format!("{d:02}/{m:02}/{a} {h:02}:{mi:02}:{s:02}")
}

/// `2026-11-27T11:00:00Z` (RFC 3339, UTC).
pub fn rfc3339_utc(unix: i64) -> String {
    let (a, m, d, h, mi, s) = civil(unix, 0);
    format!("{a:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fechas_conocidas() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        // 2026-11-27T11:00:00Z
        assert_eq!(rfc3339_utc(1_795_777_200), "2026-11-27T11:00:00Z");
        assert_eq!(cdmx(1_795_777_200), "27/11/2026 05:00");
        assert_eq!(cdmx_con_segundos(1_795_777_259), "27/11/2026 05:00:59");
        // Crossing midnight and a leap day.
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(cdmx(951_782_400), "28/02/2000 18:00");
    }
}
