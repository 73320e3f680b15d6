//! Checks of what a person types, shared by the browser (to answer at once) and the server (which
//! decides). Each returns the Spanish message the form shows next to the field.

use crate::sesion::LARGO_MAXIMO_CAMPO;

pub fn validar_nrp(nrp: &str) -> Result<String, &'static str> {
    let nrp = nrp.trim();
    if nrp.is_empty() {
        return Err("Escribe tu Número de Registro Patronal (NRP).");
    }
    efirma::identificadores::Nrp::parse(&nrp.to_uppercase())
        .map(|n| n.as_str().to_owned())
        .map_err(|_| "El NRP tiene 11 caracteres: una letra o un dígito, seguido de 10 dígitos.")
}

pub fn validar_correo(correo: &str) -> Result<String, &'static str> {
    let correo = correo.trim();
    if correo.is_empty() {
        return Err("Escribe el correo electrónico con el que registraste tu NRP.");
    }
    if correo.len() > LARGO_MAXIMO_CAMPO || !es_correo(correo) {
        return Err("Escribe un correo electrónico válido, por ejemplo nombre@empresa.com.mx.");
    }
    Ok(correo.to_lowercase())
}

pub fn validar_contrasena(contrasena: &str) -> Result<(), &'static str> {
    if contrasena.is_empty() {
        return Err("Escribe tu contraseña.");
    }
    if contrasena.len() > LARGO_MAXIMO_CAMPO {
        return Err("La contraseña es demasiado larga.");
    }
    Ok(())
}

fn es_correo(correo: &str) -> bool {
    let Some((local, dominio)) = correo.split_once('@') else {
        return false;
    };
    let caracter_valido = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    !local.is_empty()
        && local.len() <= 64
        && local.chars().all(caracter_valido)
        && dominio.contains('.')
        && !dominio.starts_with(['.', '-'])
        && !dominio.ends_with(['.', '-'])
        && !dominio.contains("..")
        && dominio
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correo_valido_se_normaliza_a_minusculas() {
        assert_eq!(
            validar_correo(" Nomina@Empresa.com.MX ").unwrap(),
            "nomina@empresa.com.mx"
        );
    }

    #[test]
    fn correos_mal_formados_se_rechazan() {
        for malo in [
            "",
            "sin-arroba",
            "a@b",
            "@empresa.mx",
            "a@.mx",
            "a b@empresa.mx",
            "a@empresa..mx",
            "a@@empresa.mx",
        ] {
            assert!(validar_correo(malo).is_err(), "{malo}");
        }
        assert!(validar_correo(&format!("{}@empresa.mx", "a".repeat(300))).is_err());
    }

    #[test]
    fn nrp_vacio_y_mal_formado_tienen_mensajes_distintos() {
        assert_eq!(
            validar_nrp("  ").unwrap_err(),
            "Escribe tu Número de Registro Patronal (NRP)."
        );
        assert!(validar_nrp("Y12-34567-10")
            .unwrap_err()
            .starts_with("El NRP tiene 11"));
        assert_eq!(validar_nrp("y1234567105").unwrap(), "Y1234567105");
    }

    #[test]
    fn contrasena_vacia_o_enorme() {
        assert!(validar_contrasena("").is_err());
        assert!(validar_contrasena(&"x".repeat(1000)).is_err());
        assert!(validar_contrasena("cualquier cosa").is_ok());
    }
}
