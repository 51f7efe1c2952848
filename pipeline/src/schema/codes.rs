//! Code lists: allowed values of coded columns, their Swedish labels and attributes.
//!
//! A cell matches a code by its code, its label or an alias, ignoring case and
//! surrounding whitespace; the stored value is always the code.

use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct CodeList {
    pub name: String,
    pub label: String,
    /// Declared attributes (name → description); each code may set them.
    pub attributes: BTreeMap<String, String>,
    pub codes: Vec<Code>,
    /// Normalised code, label or alias → index into `codes`.
    lookup: HashMap<String, usize>,
    /// The same spellings exactly as written in the schema: most cells match one as
    /// they are, which spares normalising them.
    exact: HashMap<String, usize>,
}

#[derive(Debug, Clone)]
pub struct Code {
    pub code: String,
    pub label: String,
    pub aliases: Vec<String>,
    pub since: u32,
    pub attributes: BTreeMap<String, AttributeValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    Bool(bool),
    Text(String),
}

impl CodeList {
    /// Builds the lookup; fails with a message when two codes share a spelling.
    pub(super) fn new(
        name: String,
        label: String,
        attributes: BTreeMap<String, String>,
        codes: Vec<Code>,
    ) -> Result<CodeList, String> {
        let mut lookup: HashMap<String, usize> = HashMap::new();
        let mut exact: HashMap<String, usize> = HashMap::new();
        for (index, code) in codes.iter().enumerate() {
            for spelling in code.spellings() {
                if let Some(&other) = lookup.get(&normalise(spelling))
                    && other != index
                {
                    return Err(format!(
                        "kodlistan {name}: \"{spelling}\" betyder både {} och {}",
                        codes[other].code, code.code
                    ));
                }
                lookup.insert(normalise(spelling), index);
                exact.insert(spelling.to_string(), index);
            }
            for attribute in code.attributes.keys() {
                if !attributes.contains_key(attribute) {
                    return Err(format!(
                        "kodlistan {name}: koden {} har attributet {attribute} som inte deklarerats under attributes",
                        code.code
                    ));
                }
            }
        }
        Ok(CodeList {
            name,
            label,
            attributes,
            codes,
            lookup,
            exact,
        })
    }

    /// The code a cell means, if any, among the codes that exist in `version`.
    pub fn find(&self, cell: &str, version: u32) -> Option<&Code> {
        let index = match self.exact.get(cell) {
            Some(index) => *index,
            None => *self.lookup.get(&normalise(cell))?,
        };
        let code = &self.codes[index];
        (code.since <= version).then_some(code)
    }

    pub fn get(&self, code: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.code == code)
    }

    /// The codes of `version`, for messages: "K, M".
    pub fn code_summary(&self, version: u32) -> String {
        let codes: Vec<&str> = self
            .codes
            .iter()
            .filter(|c| c.since <= version)
            .map(|c| c.code.as_str())
            .collect();
        codes.join(", ")
    }
}

impl Code {
    fn spellings(&self) -> impl Iterator<Item = &str> {
        [self.code.as_str(), self.label.as_str()]
            .into_iter()
            .chain(self.aliases.iter().map(String::as_str))
    }

    pub fn flag(&self, attribute: &str) -> Option<bool> {
        match self.attributes.get(attribute) {
            Some(AttributeValue::Bool(value)) => Some(*value),
            _ => None,
        }
    }
}

fn normalise(text: &str) -> String {
    super::normalise_heading(text)
}

#[cfg(test)]
mod tests {
    use crate::schema::Schema;

    #[test]
    fn cells_match_code_label_or_alias() {
        let schema = Schema::bundled().unwrap();
        let list = schema.code_list("forsorjningskalla").unwrap();
        assert_eq!(
            list.find("Försörjningsstöd", 1).unwrap().code,
            "forsorjningsstod"
        );
        assert_eq!(
            list.find(" ekonomiskt BISTÅND ", 1).unwrap().code,
            "forsorjningsstod"
        );
        assert_eq!(list.find("a_kassa", 1).unwrap().code, "a_kassa");
        assert!(list.find("lotterivinst", 1).is_none());
        assert_eq!(
            list.get("arbete").unwrap().flag("sjalvforsorjande"),
            Some(true)
        );
        assert_eq!(
            list.get("a_kassa").unwrap().flag("sjalvforsorjande"),
            Some(false)
        );
    }

    #[test]
    fn kon_accepts_letters_and_words() {
        let schema = Schema::bundled().unwrap();
        let kon = schema.code_list("kon").unwrap();
        for (cell, code) in [("k", "K"), ("Kvinna", "K"), ("M", "M"), ("man", "M")] {
            assert_eq!(kon.find(cell, 1).unwrap().code, code, "{cell}");
        }
        assert_eq!(kon.code_summary(1), "K, M");
    }
}
