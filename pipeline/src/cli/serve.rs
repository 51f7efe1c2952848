use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use finsam::dashboard;
use finsam::pseudonymise::Pseudonymiser;
use finsam::serve::{Api, Limits, Server, serve};
use finsam::store::{Dataset, StoreError};

use super::dashboard::Sources;
use super::{DataArgs, Exit};

/// Visa tavlorna och ta emot inlämningar från projektgrupperna över HTTP, tills Ctrl-C
/// eller SIGTERM.
///
/// Inlämningar (finsam submit) tas emot när förbundets nyckel är känd: från datamängden,
/// eller från --key innan något har lästs in. Varje projekt behöver en token (finsam
/// token create). Ställ servern bakom HTTPS (nginx, Caddy) när den nås från andra datorer.
///
/// Är nyckeln en OPRF-nyckel (finsam keygen --oprf) och ges servern den med --key,
/// pseudonymiserar servern åt projekten utan att se deras personnummer: de lämnar in
/// utan nyckel. Varje token får högst --oprf-per-timme utvärderingar i timmen.
///
/// Med --postgres nås datamängden också över PostgreSQL-protokollet (psql, R, Python,
/// DBeaver, Power BI) med konton från finsam konto skapa: utvärderare läser alla tabeller,
/// styrelsen bara det tavlorna publicerar. Varje sats loggas i DATA/_granskning/sql.jsonl.
/// Utanför den egna datorn (127.0.0.1) krävs TLS: --tls-cert och --tls-nyckel.
///
/// Exempel:
///   finsam serve --data data --addr 127.0.0.1:8080
///   finsam serve --data data --key nyckel --addr 0.0.0.0:8080
///   finsam serve --data data --postgres 127.0.0.1:5433
///   finsam serve --data data --postgres 0.0.0.0:5433 --tls-cert cert.pem --tls-nyckel nyckel.pem
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Adressen att lyssna på (port 0: någon ledig port; adressen skrivs ut).
    #[arg(long, value_name = "ADRESS", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    sources: Sources,
    /// Största inlämning som tas emot, i MB.
    #[arg(long, value_name = "MB", default_value_t = 64)]
    max_inlamning: usize,
    /// Längsta tid en begäran får ta, i sekunder.
    #[arg(long, value_name = "SEKUNDER", default_value_t = 60)]
    tidsgrans: u64,
    /// Inlämningar som kontrolleras samtidigt (standard: två per processorkärna).
    #[arg(long, value_name = "ANTAL")]
    samtidiga: Option<usize>,
    /// Med en OPRF-nyckel: högst så många pseudonymer per token och timme.
    #[arg(long, value_name = "ANTAL", default_value_t = 20_000)]
    oprf_per_timme: usize,
    /// Svara också på PostgreSQL-protokollet på den här adressen (port 0: någon ledig).
    #[arg(long, value_name = "ADRESS")]
    postgres: Option<SocketAddr>,
    /// TLS-certifikatet (PEM) för --postgres; krävs utanför 127.0.0.1.
    #[arg(long, value_name = "FIL", requires = "tls_nyckel")]
    tls_cert: Option<std::path::PathBuf>,
    /// Certifikatets privata nyckel (PEM).
    #[arg(long, value_name = "FIL", requires = "tls_cert")]
    tls_nyckel: Option<std::path::PathBuf>,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let definitions = args.sources.definitions()?;
    let template = dashboard::template(args.sources.dashboards.as_deref())?;
    let schema = data.schema()?;
    let (key_fingerprint, oprf) = server_key(&data.data, data.key.as_deref())?;
    let oprf = oprf.map(|key| finsam::serve::Oblivious::new(key, args.oprf_per_timme));
    let oblivious = oprf.is_some();
    let data = data.data.clone();
    let api = match &key_fingerprint {
        None => None,
        Some(fingerprint) => {
            let concurrent = args
                .samtidiga
                .unwrap_or_else(|| 2 * std::thread::available_parallelism().map_or(1, |n| n.get()));
            let limits = Limits {
                max_body: args.max_inlamning << 20,
                request_timeout: Duration::from_secs(args.tidsgrans),
                concurrent,
            };
            let api = Api::open(&data, fingerprint.clone(), oprf, limits).map_err(|e| match e {
                StoreError::Busy(dir) => finsam::Error::Invalid(format!(
                    "{} används av en annan finsam serve: två servrar kan inte ta emot till samma datamängd",
                    dir.display()
                )),
                other => other.into(),
            })?;
            Some(api)
        }
    };
    let waiting = api.as_ref().map_or(0, |api| api.inbox.waiting().len());
    let server = Server::new(
        data,
        schema,
        definitions,
        template,
        args.sources.queries.clone(),
        api,
    );
    let tls = match (&args.tls_cert, &args.tls_nyckel) {
        (Some(cert), Some(key)) => {
            Some(finsam::serve::postgres::tls_acceptor(cert, key).map_err(finsam::Error::Invalid)?)
        }
        _ => None,
    };
    if let Some(address) = args.postgres
        && !address.ip().is_loopback()
        && tls.is_none()
    {
        return Err(finsam::Error::Usage(format!(
            "--postgres {address} nås från andra datorer: ange --tls-cert och --tls-nyckel (lösenorden och svaren ska inte gå okrypterade), eller lyssna på 127.0.0.1"
        )));
    }
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let io = |e| finsam::Error::io(Path::new(&args.addr.to_string()), e);
        let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(io)?;
        let bound = listener.local_addr().map_err(io)?;
        let postgres = match args.postgres {
            Some(address) => {
                let io = |e| finsam::Error::io(Path::new(&address.to_string()), e);
                let listener = tokio::net::TcpListener::bind(address).await.map_err(io)?;
                let bound = listener.local_addr().map_err(io)?;
                Some((listener, bound))
            }
            None => None,
        };
        // The first line of output: scripts and tests read the address from it.
        println!("finsam serve: lyssnar på http://{bound}/ (avsluta med Ctrl-C)");
        match &key_fingerprint {
            Some(fingerprint) => {
                println!(
                    "finsam serve: tar emot inlämningar på http://{bound}/api/v1/inlamningar (nyckel {fingerprint})"
                );
                if oblivious {
                    println!(
                        "finsam serve: pseudonymiserar åt avsändare utan nyckel på http://{bound}/api/v1/oprf (högst {} per token och timme)",
                        args.oprf_per_timme
                    );
                }
            }
            None => println!(
                "finsam serve: tar inte emot inlämningar: datamängden finns inte än; ange förbundets nyckel med --key"
            ),
        }
        if let Some((_, bound)) = &postgres {
            println!(
                "finsam serve: PostgreSQL på {bound}{} (psql \"host={} port={} dbname=finsam user=KONTO\"; konton: finsam konto skapa)",
                if tls.is_some() { " med TLS" } else { "" },
                bound.ip(),
                bound.port()
            );
        }
        if waiting > 0 {
            println!(
                "finsam serve: {waiting} mottagna inlämningar läses in (de väntade sedan förra körningen)"
            );
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let postgres = postgres.map(|(listener, _)| (listener, tls));
        serve(listener, server, shutdown_signal(), postgres)
            .await
            .map_err(io)?;
        eprintln!("finsam serve: avslutad");
        Ok(Exit::Ok)
    })
}

/// The fingerprint of the förbund's key (the dataset's, or the key file's before the
/// dataset exists; both given must agree), and the key itself when it is an OPRF key:
/// the server evaluates with it.
fn server_key(
    data: &Path,
    key: Option<&Path>,
) -> finsam::Result<(Option<String>, Option<finsam::oprf::OprfKey>)> {
    let key = match super::key_path(key) {
        Some(path) => Some(finsam::keyfile::Key::from_file(&path)?),
        None => None,
    };
    let given = key.as_ref().map(Pseudonymiser::fingerprint);
    let oprf = match key {
        Some(finsam::keyfile::Key::Oprf(key)) => Some(key),
        _ => None,
    };
    if !Dataset::exists(data) {
        return Ok((given, oprf));
    }
    if let Some(given) = &given {
        Dataset::check_key(data, given)?;
    }
    Ok((Some(Dataset::key_fingerprint_of(data)?), oprf))
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
