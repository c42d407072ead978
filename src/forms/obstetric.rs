//! Gravidity and parity as the obstetric shorthand (`G3 P2`, `G4 P2+1`): the only shape the
//! answer may take, so a coded question cannot carry free text (a name, a place) into the
//! packs and the dataset.

/// The answer in its written form (`g3p2` → `G3 P2`, `G4 P2 + 1` → `G4 P2+1`), or `None` when
/// it is not the shorthand: G and a number of pregnancies, P and a number of births, optionally
/// `+` and the pregnancies that ended before 24 weeks; births and losses together are never
/// more than the pregnancies.
pub fn normalise(typed: &str) -> Option<String> {
    let s: String = typed.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let rest = s.strip_prefix('G')?;
    let (g, rest) = rest.split_once('P')?;
    let (p, a) = match rest.split_once('+') {
        Some((p, a)) => (p, Some(a)),
        None => (rest, None),
    };
    let number = |t: &str| -> Option<u32> {
        (!t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (g, p) = (number(g)?, number(p)?);
    let a = match a {
        Some(a) => Some(number(a)?),
        None => None,
    };
    if p + a.unwrap_or(0) > g {
        return None;
    }
    Some(match a {
        Some(a) => format!("G{g} P{p}+{a}"),
        None => format!("G{g} P{p}"),
    })
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn the_shorthand_in_its_usual_spellings() {
        assert_eq!(normalise("G3 P2").as_deref(), Some("G3 P2"));
        assert_eq!(normalise("g2p1").as_deref(), Some("G2 P1"));
        assert_eq!(normalise(" G4 P2 + 1 ").as_deref(), Some("G4 P2+1"));
        assert_eq!(normalise("G1 P0").as_deref(), Some("G1 P0"));
    }

    #[test]
    fn anything_else_is_refused() {
        for typed in [
            "",
            "G P",
            "G3",
            "P2",
            "G3 P4",
            "G3 P2+2",
            "G100 P1",
            "Mrs Smith G3 P2",
            "G3 P2 at home",
            "3 and 2",
        ] {
            assert_eq!(normalise(typed), None, "{typed}");
        }
    }
}
