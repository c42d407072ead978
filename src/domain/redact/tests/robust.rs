//! Arbitrary text: no panics, findings on char boundaries that rebuild the output, and redaction
//! that is complete and stable.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::*;

const FRAGMENTS: &[&str] = &[
    "Mrs",
    "Mr.",
    "Dr",
    " ",
    "  ",
    "\n",
    "\n\n",
    ",",
    ".",
    ". ",
    "'",
    "’",
    "-",
    "/",
    "(",
    ")",
    "[",
    "]",
    "@",
    "+44",
    "(0)",
    "0",
    "07700",
    "900123",
    "943",
    "476",
    "5919",
    "9434765919",
    "CA3",
    "8QT",
    "ca38qt",
    "GIR",
    "0AA",
    "born",
    "DOB",
    "b.",
    "d.o.b",
    "24/03/2019",
    "24",
    "March",
    "2019",
    "mother",
    "Mum",
    "his",
    "sister",
    "called",
    "named",
    "Jane",
    "Smith",
    "O'Neil",
    "Hall",
    "hall",
    "Rose",
    "rose",
    "Will",
    "May",
    "Ward",
    "4",
    "St",
    "Mary's",
    "jane.smith",
    "example.com",
    "nhs.net",
    "Zoë",
    "Zoe\u{308}",
    "é",
    "😀",
    "ß",
    "İ",
    "\u{AD}",
    "\u{200B}",
    "\u{202E}",
    "[child]",
    "[name]",
    "[postcode]",
    "child",
    "name",
    "the",
    "and",
    "A",
    "I",
    "J.",
    "R",
    "Summer",
    "term",
    "in",
    "Ａ",
    "١٢٣",
    "\u{0301}",
    "ǅ",
    "ﬁ",
    "K",
    "°C",
];

fn random_text(rng: &mut StdRng) -> String {
    let len = rng.random_range(0..40);
    (0..len).map(|_| FRAGMENTS[rng.random_range(0..FRAGMENTS.len())]).collect()
}

fn random_chars(rng: &mut StdRng) -> String {
    let len = rng.random_range(0..60);
    (0..len)
        .map(|_| {
            loop {
                let c = match rng.random_range(0..4) {
                    0 => rng.random_range(0x20..0x7F),
                    1 => rng.random_range(0xA0..0x800),
                    2 => rng.random_range(0x2000..0x2070),
                    _ => rng.random_range(0x1F300..0x1F400),
                };
                if let Some(c) = char::from_u32(c) {
                    break c;
                }
            }
        })
        .collect()
}

fn ids() -> Vec<Identifier> {
    vec![
        name("Rose Mary Hall", "child"),
        name("Jane O'Neil", "mother"),
        name("Zoë", "sister"),
        id(Known::Phrase("ABC".to_string()), "code"),
        id(Known::NhsNumber("943 476 5919".to_string()), "NHS number"),
        id(Known::Date(ymd(2019, 3, 24)), "date of birth"),
        id(Known::Postcode("LS1 4AB".to_string()), "postcode"),
        id(Known::Address("12 Acacia Avenue, Leeds".to_string()), "address"),
        id(Known::Professional("Dr Will Ward".to_string()), "GP"),
    ]
}

fn check(text: &str, ids: &[Identifier]) {
    let r = redact(text, ids);
    let mut rebuilt = String::new();
    let mut pos = 0;
    for f in &r.findings {
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end), "{text:?}: {f:?}");
        assert!(pos <= f.start && f.start < f.end, "{text:?}: {:?}", r.findings);
        assert_eq!(text.get(f.start..f.end), Some(f.words.as_str()));
        rebuilt.push_str(&text[pos..f.start]);
        rebuilt.push('[');
        rebuilt.push_str(&f.label);
        rebuilt.push(']');
        pos = f.end;
    }
    rebuilt.push_str(&text[pos..]);
    assert_eq!(rebuilt, r.text, "findings do not rebuild the output of {text:?}");
    assert_eq!(r.total(), r.findings.len());
    assert!(found(&r.text, ids).is_empty(), "left in {:?} from {text:?}: {:?}", r.text, found(&r.text, ids));
    assert_eq!(redact(&r.text, ids).text, r.text, "not stable for {text:?}");
}

#[test]
fn arbitrary_text_never_panics_and_redaction_is_complete_and_stable() {
    let mut rng = StdRng::seed_from_u64(99);
    let ids = ids();
    for _ in 0..700 {
        check(&random_text(&mut rng), &ids);
        check(&random_chars(&mut rng), &ids);
    }
    for text in ["", "[", "]", "[]", "[[child]]", "@", "+", "+44", "(0", "0(", "Mrs", "b.", "d.o.", "\u{301}"]
    {
        check(text, &ids);
    }
    assert!(people("\u{301}:\u{AD}/&&and or (mother) 😀 Ｚoë").len() <= 1);
}
