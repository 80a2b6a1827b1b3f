//! What people read, in their language: Project Fluent messages from
//! `shared/locales/<locale>/*.ftl` (files a translator edits), embedded in every binary, with
//! the amounts and dates written as each language writes them.
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

pub use fluent_bundle::FluentValue as Value;

use crate::domain::Locale;

/// Every message file, by language; each language has the same files and the same messages
/// (the tests below hold them to it).
const SOURCES: [(Locale, &[(&str, &str)]); 2] = [
    (
        Locale::Fr,
        &[
            ("common.ftl", include_str!("../locales/fr/common.ftl")),
            ("emails.ftl", include_str!("../locales/fr/emails.ftl")),
            ("payment-page.ftl", include_str!("../locales/fr/payment-page.ftl")),
        ],
    ),
    (
        Locale::En,
        &[
            ("common.ftl", include_str!("../locales/en/common.ftl")),
            ("emails.ftl", include_str!("../locales/en/emails.ftl")),
            ("payment-page.ftl", include_str!("../locales/en/payment-page.ftl")),
        ],
    ),
];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Vec<(Locale, Bundle)>> =
    LazyLock::new(|| SOURCES.iter().map(|(locale, files)| (*locale, bundle(*locale, files))).collect());

fn bundle(locale: Locale, files: &[(&str, &str)]) -> Bundle {
    let language = locale.code().parse().unwrap_or_default();
    let mut bundle = Bundle::new_concurrent(vec![language]);
    // No Unicode isolation marks around values: emails and pages are in one direction.
    bundle.set_use_isolating(false);
    for (name, source) in files {
        let resource = FluentResource::try_new((*source).to_string()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(%locale, file = name, ?errors, "message file does not parse");
            partial
        });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(%locale, file = name, ?errors, "message defined twice");
        }
    }
    bundle
}

/// The message `id` in `locale` with `args`. A message missing (which the tests rule out)
/// reads as its id rather than failing an email.
pub fn text(locale: Locale, id: &str, args: &[(&str, Value)]) -> String {
    let Some(bundle) = BUNDLES.iter().find(|(l, _)| *l == locale).map(|(_, b)| b) else { return id.to_string() };
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::error!(%locale, id, "no such message");
        return id.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::error!(%locale, id, ?errors, "message formatted with errors");
    }
    text.into_owned()
}

/// The message `id` in `locale` if there is one: a provider's reason may be one of ours
/// (an id) or its own words, shown as they are.
pub fn known(locale: Locale, id: &str) -> Option<String> {
    let bundle = BUNDLES.iter().find(|(l, _)| *l == locale).map(|(_, b)| b)?;
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    Some(bundle.format_pattern(pattern, None, &mut errors).into_owned())
}

/// `text` of a message without variables.
pub fn label(locale: Locale, id: &str) -> String {
    text(locale, id, &[])
}

/// An amount as the language writes it: "24,90 €" in French, "€24.90" in English.
pub fn money(locale: Locale, cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let magnitude = cents.unsigned_abs(); // `abs` of i64::MIN overflows
    let (units, hundredths) = (magnitude / 100, magnitude % 100);
    match (locale, currency) {
        (Locale::Fr, "EUR") => format!("{sign}{units},{hundredths:02} €"),
        (Locale::Fr, other) => format!("{sign}{units},{hundredths:02} {other}"),
        (Locale::En, "EUR") => format!("{sign}€{units}.{hundredths:02}"),
        (Locale::En, other) => format!("{sign}{other} {units}.{hundredths:02}"),
    }
}

/// A day as the language writes it in full: "3 décembre 2026", "3 December 2026".
pub fn date(locale: Locale, at: DateTime<Utc>) -> String {
    let month = label(locale, &format!("month-{}", at.month()));
    text(locale, "date", &[("day", at.day().into()), ("month", month.into()), ("year", at.year().into())])
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Each message (and term) of a language's files, as "file: id", with the variables
    /// (and attributes) it uses.
    fn catalogue(files: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
        let mut found = BTreeMap::new();
        for (name, source) in files {
            let resource = fluent_syntax::parser::parse(*source)
                .unwrap_or_else(|(_, errors)| panic!("{name} does not parse: {errors:?}"));
            for entry in resource.body {
                let (id, value, attributes) = match entry {
                    ast::Entry::Message(m) => (m.id.name.to_string(), m.value, m.attributes),
                    ast::Entry::Term(t) => (format!("-{}", t.id.name), Some(t.value), t.attributes),
                    _ => continue,
                };
                let mut variables = BTreeSet::new();
                value.iter().for_each(|p| pattern_variables(p, &mut variables));
                for attribute in attributes {
                    variables.insert(format!(".{}", attribute.id.name));
                    pattern_variables(&attribute.value, &mut variables);
                }
                assert!(found.insert(format!("{name}: {id}"), variables).is_none(), "{name}: {id} twice");
            }
        }
        found
    }

    fn messages(locale: Locale) -> BTreeMap<String, BTreeSet<String>> {
        let (_, files) = SOURCES.iter().find(|(l, _)| *l == locale).expect("a language");
        catalogue(files)
    }

    /// What a translation lacks or has beyond the reference, and the messages whose
    /// variables differ.
    fn differences(
        reference: &BTreeMap<String, BTreeSet<String>>,
        other: &BTreeMap<String, BTreeSet<String>>,
    ) -> Vec<String> {
        let missing = reference.keys().filter(|id| !other.contains_key(*id)).map(|id| format!("missing {id}"));
        let extra = other.keys().filter(|id| !reference.contains_key(*id)).map(|id| format!("extra {id}"));
        let variables = reference
            .iter()
            .filter(|(id, v)| other.get(*id).is_some_and(|o| o != *v))
            .map(|(id, v)| format!("{id}: {v:?} against {:?}", other.get(id)));
        missing.chain(extra).chain(variables).collect()
    }

    fn pattern_variables(pattern: &ast::Pattern<&str>, into: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, into);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, into: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, into);
                variants.iter().for_each(|v| pattern_variables(&v.value, into));
            }
            ast::Expression::Inline(inline) => inline_variables(inline, into),
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, into: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                into.insert(format!("${}", id.name));
            }
            ast::InlineExpression::Placeable { expression } => expression_variables(expression, into),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                arguments.positional.iter().for_each(|a| inline_variables(a, into));
            }
            _ => {}
        }
    }

    #[test]
    fn every_message_exists_in_every_language_with_the_same_variables() {
        let french = messages(Locale::Fr);
        assert!(french.len() > 50, "the French files hold the messages: {}", french.len());
        for locale in Locale::ALL {
            let found = differences(&french, &messages(locale));
            assert!(found.is_empty(), "{locale} against fr: {found:#?}");
        }
    }

    #[test]
    fn the_check_finds_a_message_missing_or_with_other_variables() {
        let fr = catalogue(&[(
            "a.ftl",
            "paid = Commande { $reference } payée\nkind = { $n ->\n    [one] un\n   *[other] { $n }\n  }\n",
        )]);
        let same =
            catalogue(&[("a.ftl", "paid = Order { $reference } paid\nkind = { $n ->\n   *[other] { $n }\n  }\n")]);
        assert!(differences(&fr, &same).is_empty());
        let missing = catalogue(&[("a.ftl", "paid = Order { $reference } paid\n")]);
        assert_eq!(differences(&fr, &missing), ["missing a.ftl: kind"]);
        let other = catalogue(&[("a.ftl", "paid = Order { $order } paid\nkind = { $n }\nmore = More\n")]);
        let found = differences(&fr, &other);
        assert!(
            found.len() == 2 && found[0] == "extra a.ftl: more" && found[1].starts_with("a.ftl: paid"),
            "{found:?}"
        );
    }

    #[test]
    fn every_message_formats_without_error() {
        for (locale, bundle) in BUNDLES.iter() {
            for (key, variables) in messages(*locale) {
                let id = key.split(": ").nth(1).unwrap_or_default();
                if id.starts_with('-') {
                    continue;
                }
                let message = bundle.get_message(id).unwrap_or_else(|| panic!("{locale}: {id} not loaded"));
                let pattern = message.value().unwrap_or_else(|| panic!("{locale}: {id} has no value"));
                let mut args = FluentArgs::new();
                for name in variables.iter().filter_map(|v| v.strip_prefix('$')) {
                    args.set(name.to_string(), 1);
                }
                let mut errors = Vec::new();
                let _ = bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{locale}: {id}: {errors:?}");
            }
        }
    }

    #[test]
    fn amounts_and_dates_read_as_each_language_writes_them() {
        assert_eq!(money(Locale::Fr, 2490, "EUR"), "24,90 €");
        assert_eq!(money(Locale::En, 2490, "EUR"), "€24.90");
        assert_eq!(money(Locale::En, -150, "EUR"), "-€1.50");
        assert_eq!(money(Locale::Fr, 999, "USD"), "9,99 USD");
        let at = "2026-12-03T10:00:00Z".parse().expect("a time");
        assert_eq!(date(Locale::Fr, at), "3 décembre 2026");
        assert_eq!(date(Locale::En, at), "3 December 2026");
        assert_eq!(known(Locale::Fr, "card-declined").as_deref(), Some("Votre carte a été refusée."));
        assert_eq!(known(Locale::Fr, "Insufficient funds."), None);
    }

    #[test]
    fn the_payment_page_counts_items_in_the_singular_and_the_plural() {
        let description = |locale, count: u32| {
            text(locale, "payment-description", &[("reference", "3F2A9C1E".into()), ("count", count.into())])
        };
        assert_eq!(description(Locale::En, 1), "Order 3F2A9C1E (1 item)");
        assert_eq!(description(Locale::En, 2), "Order 3F2A9C1E (2 items)");
        assert_eq!(description(Locale::Fr, 1), "Commande 3F2A9C1E (1 article)");
        assert_eq!(description(Locale::Fr, 2), "Commande 3F2A9C1E (2 articles)");
    }
}
