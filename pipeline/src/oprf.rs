//! Oblivious pseudonymisation: the förbund's key stays on its server.
//!
//! A pseudonym is the output of a verifiable oblivious PRF (RFC 9497, VOPRF mode, suite
//! ristretto255-SHA512, the `voprf` crate) on the same input as the HMAC key's
//! ([`crate::pseudonymise::person_input`]): the first 16 bytes, as 32 hex digits. The
//! sender (`finsam submit`) blinds each input with a fresh random scalar, the server
//! multiplies the blinded element by its secret key without learning the input, and
//! the sender unblinds the answer and hashes it into the pseudonym. A proof (a batched
//! DLEQ proof) shows the sender that the server used the key whose public half it
//! published, so a server that changed its key cannot mix pseudonyms silently. The
//! server computes the same pseudonym from the input directly when it reads a workbook
//! itself (`finsam ingest`, `finsam person`).
//!
//! The key's fingerprint is the first 8 bytes of SHA-256 over "finsam:oprf-id:" and the
//! public key: anyone who has the public key can check it, and it differs from every
//! HMAC key's, whose pseudonyms are of another function.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use rand_core::OsRng;
use sha2::{Digest, Sha256};
use voprf::{
    BlindedElement, EvaluationElement, Group, Proof, Ristretto255, VoprfClient, VoprfServer,
};

use crate::pseudonymise::{KeyError, Pseudonymiser, decode_hex, encode_hex};

/// The RFC 9497 suite, as the server announces it.
pub const SUITE: &str = "ristretto255-SHA512";

/// The start of an OPRF key file's key line.
const LINE_PREFIX: &str = "oprf-ristretto255:";

/// The comment at the top of an OPRF key file.
pub const HEADER: &str = concat!(
    "# finsam OPRF-nyckel (RFC 9497, ristretto255-SHA512) – bara på förbundets server, ",
    "förvara utanför datamängden; förlorad nyckel = förlorad koppling mellan inlämningar"
);

/// Why an oblivious evaluation could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum OprfError {
    #[error("element {index} är inte ett giltigt ristretto255-element i hex")]
    Element { index: usize },
    #[error("beviset är inte giltigt: servern räknade inte med den publicerade nyckeln")]
    Proof,
    #[error("den publika nyckeln är inte ett giltigt ristretto255-element")]
    PublicKey,
    #[error("servern svarade med {got} element på {sent}")]
    Count { sent: usize, got: usize },
    #[error("indata till OPRF är tomt eller för långt")]
    Input,
}

/// The server's secret key.
pub struct OprfKey {
    server: VoprfServer<Ristretto255>,
}

impl std::fmt::Debug for OprfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OprfKey(<hemlig>)")
    }
}

impl OprfKey {
    /// A fresh key, derived (RFC 9497, DeriveKeyPair) from 32 bytes of the operating
    /// system's randomness.
    pub fn generate() -> Result<OprfKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(KeyError::Random)?;
        let server = VoprfServer::new_from_seed(&seed, b"finsam")
            .expect("a 32-byte seed derives a key pair");
        Ok(OprfKey { server })
    }

    /// The key file's key line.
    pub fn to_line(&self) -> String {
        format!("{LINE_PREFIX}{}", encode_hex(&self.server.serialize()))
    }

    /// The key of a key line, when it is one.
    pub fn from_line(line: &str) -> Option<OprfKey> {
        let bytes = decode_hex(line.strip_prefix(LINE_PREFIX)?)?;
        let server = VoprfServer::deserialize(&bytes).ok()?;
        Some(OprfKey { server })
    }

    /// The public key (hex), which the server publishes and senders check proofs with.
    pub fn public_key(&self) -> String {
        encode_hex(&Ristretto255::serialize_elem(self.server.get_public_key()))
    }

    /// Evaluates blinded elements (hex) with the secret key: the evaluated elements in
    /// the same order and one proof for all of them.
    pub fn evaluate_blinded(&self, blinded: &[String]) -> Result<(Vec<String>, String), OprfError> {
        let elements = blinded
            .iter()
            .enumerate()
            .map(|(index, hex)| {
                decode_hex(hex)
                    .and_then(|bytes| BlindedElement::<Ristretto255>::deserialize(&bytes).ok())
                    .ok_or(OprfError::Element { index })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let evaluated = self
            .server
            .batch_blind_evaluate(&mut OsRng, &elements)
            .map_err(|_| OprfError::Input)?;
        let messages = evaluated
            .messages
            .iter()
            .map(|m| encode_hex(&m.serialize()))
            .collect();
        Ok((messages, encode_hex(&evaluated.proof.serialize())))
    }
}

impl Pseudonymiser for OprfKey {
    fn fingerprint(&self) -> String {
        fingerprint_of(&self.public_key()).expect("the key's own public key is valid")
    }

    fn pseudonym(&self, input: &[u8]) -> String {
        // Inputs are a namespace and a personnummer or a project code of at most 40
        // characters: never empty, never near the 65,535 bytes the RFC allows.
        let output = self
            .server
            .evaluate(input)
            .expect("finsam's inputs are never empty nor too long");
        encode_hex(&output[..16])
    }
}

/// The fingerprint of the key whose public key is `public_key` (hex).
pub fn fingerprint_of(public_key: &str) -> Result<String, OprfError> {
    let bytes = decode_hex(public_key).ok_or(OprfError::PublicKey)?;
    Ristretto255::deserialize_elem(&bytes).map_err(|_| OprfError::PublicKey)?;
    let mut hash = Sha256::new();
    hash.update(b"finsam:oprf-id:");
    hash.update(&bytes);
    Ok(encode_hex(&hash.finalize()[..8]))
}

/// The sender's inputs, blinded: what is sent ([`Blinded::elements`]) and what stays to
/// unblind the answer.
pub struct Blinded {
    inputs: Vec<Vec<u8>>,
    states: Vec<VoprfClient<Ristretto255>>,
    pub elements: Vec<String>,
}

/// Blinds each input with a fresh random scalar.
pub fn blind(inputs: Vec<Vec<u8>>) -> Result<Blinded, OprfError> {
    let mut states = Vec::with_capacity(inputs.len());
    let mut elements = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let blinded =
            VoprfClient::<Ristretto255>::blind(input, &mut OsRng).map_err(|_| OprfError::Input)?;
        elements.push(encode_hex(&blinded.message.serialize()));
        states.push(blinded.state);
    }
    Ok(Blinded {
        inputs,
        states,
        elements,
    })
}

impl Blinded {
    /// The pseudonym of each input, from the server's evaluated elements and proof,
    /// checked against the server's public key.
    pub fn finalize(
        self,
        evaluated: &[String],
        proof: &str,
        public_key: &str,
    ) -> Result<Vec<(Vec<u8>, String)>, OprfError> {
        if evaluated.len() != self.states.len() {
            return Err(OprfError::Count {
                sent: self.states.len(),
                got: evaluated.len(),
            });
        }
        let messages = evaluated
            .iter()
            .enumerate()
            .map(|(index, hex)| {
                decode_hex(hex)
                    .and_then(|bytes| EvaluationElement::<Ristretto255>::deserialize(&bytes).ok())
                    .ok_or(OprfError::Element { index })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let proof = decode_hex(proof)
            .and_then(|bytes| Proof::<Ristretto255>::deserialize(&bytes).ok())
            .ok_or(OprfError::Proof)?;
        let public_key = decode_hex(public_key)
            .and_then(|bytes| Ristretto255::deserialize_elem(&bytes).ok())
            .ok_or(OprfError::PublicKey)?;
        let outputs =
            VoprfClient::batch_finalize(&self.inputs, &self.states, &messages, &proof, public_key)
                .map_err(|_| OprfError::Proof)?;
        let mut pseudonyms = Vec::with_capacity(self.inputs.len());
        for (input, output) in self.inputs.iter().zip(outputs) {
            let output = output.map_err(|_| OprfError::Input)?;
            pseudonyms.push((input.clone(), encode_hex(&output[..16])));
        }
        Ok(pseudonyms)
    }
}

/// Pseudonyms the server evaluated for one submission's inputs, under the key with
/// this fingerprint: what `finsam submit` pseudonymises with when it has no key.
pub struct Evaluated {
    fingerprint: String,
    by_input: HashMap<Vec<u8>, String>,
    /// An input was asked for that was not evaluated: the files changed between the
    /// two readings.
    missed: std::sync::atomic::AtomicBool,
}

impl Evaluated {
    pub fn new(
        fingerprint: String,
        pseudonyms: impl IntoIterator<Item = (Vec<u8>, String)>,
    ) -> Evaluated {
        Evaluated {
            fingerprint,
            by_input: pseudonyms.into_iter().collect(),
            missed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether some input asked for had no evaluated pseudonym (the submission must
    /// then not be sent).
    pub fn missed(&self) -> bool {
        self.missed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Pseudonymiser for Evaluated {
    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    fn pseudonym(&self, input: &[u8]) -> String {
        // The inputs were collected by a first reading of the same files ([`Inputs`]);
        // one that was not is a file changed meanwhile, told by [`Evaluated::missed`].
        match self.by_input.get(input) {
            Some(pseudonym) => pseudonym.clone(),
            None => {
                self.missed.store(true, std::sync::atomic::Ordering::SeqCst);
                encode_hex(&Sha256::digest(input)[..16])
            }
        }
    }
}

/// Collects the inputs a validation asks pseudonyms for, answering each with a stand-in
/// (a hash of the input, so that distinct people stay distinct): the first pass of
/// `finsam submit` without a key, which finds every error before anything is sent.
#[derive(Default)]
pub struct Inputs {
    seen: Mutex<BTreeSet<Vec<u8>>>,
}

impl Inputs {
    /// Every input asked for, each once, in a fixed order.
    pub fn into_inputs(self) -> Vec<Vec<u8>> {
        self.seen
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .collect()
    }
}

impl Pseudonymiser for Inputs {
    fn fingerprint(&self) -> String {
        String::new()
    }

    fn pseudonym(&self, input: &[u8]) -> String {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(input.to_vec());
        encode_hex(&Sha256::digest(input)[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyfile::Key;
    use crate::personnummer::PersonNumber;
    use crate::pseudonymise::person_input;

    fn pnr(input: &str) -> PersonNumber {
        let reference = chrono::NaiveDate::from_ymd_opt(2025, 6, 15).unwrap();
        PersonNumber::parse(input, reference).unwrap()
    }

    #[test]
    fn the_sender_gets_the_servers_pseudonym_without_showing_the_input() {
        let key = OprfKey::generate().unwrap();
        let inputs = vec![
            person_input(&pnr("811218-9876")),
            crate::pseudonymise::local_input("SIGMA", "017"),
        ];
        let blinded = blind(inputs.clone()).unwrap();
        // Blinding is random: the same input is another element each time.
        let again = blind(inputs.clone()).unwrap();
        assert_ne!(blinded.elements, again.elements);
        for element in &blinded.elements {
            assert!(!element.contains("811218"));
        }
        let (evaluated, proof) = key.evaluate_blinded(&blinded.elements).unwrap();
        let pseudonyms = blinded
            .finalize(&evaluated, &proof, &key.public_key())
            .unwrap();
        assert_eq!(pseudonyms[0].1, key.person_pseudonym(&pnr("198112189876")));
        assert_eq!(pseudonyms[1].1, key.local_pseudonym("SIGMA", "017"));
        assert_eq!(pseudonyms[0].1.len(), 32);
    }

    #[test]
    fn a_proof_under_another_key_is_refused() {
        let (key, other) = (OprfKey::generate().unwrap(), OprfKey::generate().unwrap());
        let blinded = blind(vec![b"pnr:198112189876".to_vec()]).unwrap();
        let (evaluated, proof) = other.evaluate_blinded(&blinded.elements).unwrap();
        let refused = blinded.finalize(&evaluated, &proof, &key.public_key());
        assert!(matches!(refused, Err(OprfError::Proof)), "{refused:?}");
    }

    #[test]
    fn a_key_line_round_trips_and_names_its_kind() {
        let key = OprfKey::generate().unwrap();
        let line = key.to_line();
        assert!(line.starts_with("oprf-ristretto255:") && line.len() == 18 + 128);
        let read = OprfKey::from_line(&line).unwrap();
        assert_eq!(read.public_key(), key.public_key());
        assert_eq!(read.fingerprint(), key.fingerprint());
        assert_eq!(
            fingerprint_of(&key.public_key()).unwrap(),
            key.fingerprint()
        );
        assert!(OprfKey::from_line(&line[..line.len() - 2]).is_none());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oprf");
        let written = Key::write_new(&path, true).unwrap();
        let loaded = Key::from_file(&path).unwrap();
        assert!(loaded.oblivious().is_some());
        assert_eq!(loaded.fingerprint(), written.fingerprint());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# finsam OPRF-nyckel"), "{text}");
    }

    #[test]
    fn garbage_from_a_server_or_sender_is_an_error_not_a_panic() {
        let key = OprfKey::generate().unwrap();
        let bad = vec!["zz".to_string(), "00".repeat(32)];
        assert!(matches!(
            key.evaluate_blinded(&bad),
            Err(OprfError::Element { index: 0 })
        ));
        let blinded = blind(vec![b"pnr:198112189876".to_vec()]).unwrap();
        let refused = blinded.finalize(&[], "00", &key.public_key());
        assert!(matches!(refused, Err(OprfError::Count { sent: 1, got: 0 })));
        assert!(fingerprint_of("abc").is_err());
    }

    #[test]
    fn collected_inputs_come_out_once_each() {
        let inputs = Inputs::default();
        let a = inputs.pseudonym(b"pnr:1");
        assert_eq!(a, inputs.pseudonym(b"pnr:1"));
        assert_ne!(a, inputs.pseudonym(b"pnr:2"));
        assert_eq!(
            inputs.into_inputs(),
            vec![b"pnr:1".to_vec(), b"pnr:2".to_vec()]
        );
    }
}
