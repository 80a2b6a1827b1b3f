use unicode_normalization::UnicodeNormalization;

/// Lower-case, accents removed, anything but letters and digits turned into spaces:
/// "Casquette Été" and "casquette ete" fold alike.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// The words of a text, folded.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split_whitespace().map(str::to_string).collect()
}

/// What is stored beside a product so that a word-prefix match of its name or its
/// description is a substring test: " casquette ete ... " holds " ete" for the query "Été".
pub fn index_text(name: &str, description: &str) -> String {
    format!(" {} ", words(&format!("{name} {description}")).join(" "))
}

/// The substrings an indexed name must all contain to match `query` by word prefix.
pub fn query_needles(query: &str) -> Vec<String> {
    words(query).into_iter().map(|w| format!(" {w}")).collect()
}

/// Whether a product of this name and description matches `query` by word prefix (every
/// word of the query begins a word of either), case- and accent-insensitively.
pub fn matches(name: &str, description: &str, query: &str) -> bool {
    let indexed = index_text(name, description);
    query_needles(query).iter().all(|needle| indexed.contains(needle.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_prefix_ignores_case_and_accents() {
        assert!(matches("Casquette Été", "", "ete"));
        assert!(matches("Casquette Été", "", "CASQ"));
        assert!(matches("Casquette Été", "", "été casq"));
        assert!(!matches("Casquette Été", "", "quette"));
        assert!(!matches("Casquette Été", "", "hiver"));
        assert!(matches("Casquette Œil-de-Bœuf", "", "bœ"));
    }

    #[test]
    fn the_description_matches_too_and_words_may_come_from_both() {
        let description = "Coton léger, visière courbée.";
        assert!(matches("Casquette Été", description, "leger"));
        assert!(matches("Casquette Été", description, "VISIÈRE été"));
        assert!(!matches("Casquette Été", description, "laine"));
    }
}
