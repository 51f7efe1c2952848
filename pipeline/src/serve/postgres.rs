//! The dataset over the PostgreSQL protocol (`finsam serve --postgres ADDR`), so that
//! psql, R (RPostgres), Python (psycopg, pandas), DBeaver and Power BI reach it.
//!
//! The wire protocol, `pg_catalog` and the translation of DataFusion's results are
//! `datafusion-postgres`'s (over `pgwire`); finsam adds what a förbund needs around it:
//! - **accounts** ([`crate::accounts`]): SCRAM-SHA-256 against the stored hash, so no
//!   password crosses the network; TLS is required off the loopback (the CLI refuses
//!   to listen elsewhere without a certificate);
//! - **roles**: an `utvarderare` reads every table of `finsam sql`; a `styrelse` reads
//!   only `tavlor`, the dashboards' numbers as published (disclosure-protected, the very
//!   cells the site shows, [`Server::site_data`]), and the code lists;
//! - **read-only**: each statement is checked before it runs, on every path (simple and
//!   extended protocol): queries, SHOW, DESCRIBE, EXPLAIN, transactions and the session
//!   settings clients send (`SET extra_float_digits`, …); anything else is refused. A
//!   `SET` of anything else is answered and ignored, so no client can change the
//!   engine every connection shares;
//! - **the audit log** `DATA/_granskning/sql.jsonl`: one line per statement (account,
//!   role, time, the SHA-256 of the statement, rows returned, outcome), never the
//!   statement itself nor its result;
//! - **the data as it stands**: each role's engine is made again when the manifest
//!   changes, so a query sees what was taken in a moment ago.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_trait::async_trait;
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{Set, Statement as SqlStatement};
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use datafusion_postgres::pgwire;
use datafusion_postgres::{DfSessionService, Parser};
use futures::{Sink, Stream};
use pgwire::api::auth::sasl::SASLAuthStartupHandler;
use pgwire::api::auth::sasl::scram::ScramAuth;
use pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, METADATA_USER, PgWireServerHandlers, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use serde::Serialize;
use sha2::Sha256;

use super::Server;
use crate::accounts::{Accounts, ITERATIONS, Role, decode_hex};
use crate::dashboard::{Options, Selection};
use crate::pseudonymise::encode_hex;
use crate::query::{ProjectSelection, advice};
use crate::store::{Dataset, jsonl, now_rfc3339};

pub use pgwire::tokio::tokio_rustls::TlsAcceptor;

/// The audit log's folder and file under the dataset.
pub const AUDIT_DIR: &str = "_granskning";
pub const AUDIT_FILE: &str = "sql.jsonl";

/// The statement a prepared statement is: what `datafusion-postgres` parses to.
type DfStatement = (
    String,
    Option<(SqlStatement, datafusion::logical_expr::LogicalPlan)>,
);

/// Session settings a client may change for itself (they live in the connection's
/// metadata, not in the shared engine); `SET` of anything else is answered and ignored.
const OWN_SETTINGS: &[&str] = &[
    "statement_timeout",
    "datestyle",
    "bytea_output",
    "intervalstyle",
    "application_name",
    "extra_float_digits",
    "search_path",
];

/// The endpoint: accounts, each role's engine for the current data, the audit log.
pub struct Endpoint {
    server: Arc<Server>,
    engines: tokio::sync::Mutex<BTreeMap<Role, Kept>>,
    audit: Arc<AuditLog>,
    /// Parses statements as `datafusion-postgres` does, for the checks.
    sql: PostgresCompatibilityParser,
    /// The tables a styrelse account is refused by name.
    microdata: BTreeSet<String>,
    /// Describes a statement already planned: the description reads the plan only,
    /// whichever engine made it.
    describer: Arc<Parser>,
}

/// A role's engine for one data version.
struct Kept {
    version: String,
    engine: RoleEngine,
}

/// What runs a role's statements: the service over its context, and the names for
/// messages.
#[derive(Clone)]
struct RoleEngine {
    service: Arc<DfSessionService>,
    context: Arc<SessionContext>,
    names: advice::Names,
}

impl RoleEngine {
    /// Refuses a plan that would write or create, whatever the statement looked like.
    fn check(&self, plan: &datafusion::logical_expr::LogicalPlan) -> PgWireResult<()> {
        datafusion::execution::context::SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .verify_plan(plan)
            .map_err(|_| {
                user_error(
                    "25006",
                    "bara satser som läser körs (SELECT, SHOW, DESCRIBE, EXPLAIN); satsen skriver eller skapar och körs inte".into(),
                )
            })
    }
}

impl Endpoint {
    /// The endpoint of `server`'s dataset; its audit log's key is made the first time.
    pub fn new(server: Arc<Server>) -> std::io::Result<Arc<Endpoint>> {
        let audit = Arc::new(AuditLog::open(&server.data.join(AUDIT_DIR))?);
        let microdata = microdata_tables(&server);
        Ok(Arc::new(Endpoint {
            server,
            engines: tokio::sync::Mutex::default(),
            audit,
            sql: PostgresCompatibilityParser::new(),
            microdata,
            describer: ExtendedQueryHandler::query_parser(&DfSessionService::new(Arc::new(
                SessionContext::new(),
            ))),
        }))
    }

    fn accounts(&self) -> Accounts {
        Accounts::at(&self.server.data)
    }

    /// Accepts connections from `listener` until `shutdown` completes; each connection
    /// runs in a task of its own and ends with the process.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        tls: Option<TlsAcceptor>,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let socket = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((socket, _)) => socket,
                    Err(error) => {
                        eprintln!("finsam serve: kunde inte ta emot en PostgreSQL-anslutning: {error}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let handlers = Handlers {
                endpoint: self.clone(),
            };
            let tls = tls.clone();
            tokio::spawn(async move {
                // A client that goes away or speaks garbage ends its own connection only.
                let _ = pgwire::tokio::process_socket(socket, tls, handlers).await;
            });
        }
    }

    /// The role of a connected client's account; an error when the account it logged in
    /// as has been revoked since.
    fn role_of<C: ClientInfo + ?Sized>(&self, client: &C) -> PgWireResult<Role> {
        let name = client
            .metadata()
            .get(METADATA_USER)
            .cloned()
            .unwrap_or_default();
        let logged_in = client.metadata().get(METADATA_ACCOUNT);
        match self.accounts().find(&name) {
            // The very account that logged in, not one made since under its name.
            Ok(Some(account)) if logged_in == Some(&account.skapat) => Ok(account.roll),
            Ok(_) => Err(user_error(
                "28000",
                format!("kontot {name} är återkallat: logga in på nytt"),
            )),
            Err(e) => Err(user_error(
                "58000",
                format!("kontona kunde inte läsas: {e}"),
            )),
        }
    }

    /// The role's engine for the data as it stands now.
    async fn engine(&self, role: Role) -> PgWireResult<RoleEngine> {
        let failed = |e: &dyn std::fmt::Display| {
            user_error("58000", format!("datamängden kunde inte öppnas: {e}"))
        };
        let (dataset, options) = super::open(&self.server).map_err(|e| failed(&e))?;
        let mut engines = self.engines.lock().await;
        if let Some(kept) = engines.get(&role)
            && kept.version == options.data_version
        {
            return Ok(kept.engine.clone());
        }
        let context = match role {
            Role::Utvarderare => {
                let Some(dataset) = dataset else {
                    return Err(user_error("58000", "datamängden finns inte än".into()));
                };
                self.evaluator_context(&dataset)
                    .await
                    .map_err(|e| failed(&e))?
            }
            Role::Styrelse => self.board_context(&options).await.map_err(|e| failed(&e))?,
        };
        setup_pg_catalog(&context, "datafusion", EmptyContextProvider).map_err(|e| failed(&e))?;
        context.register_udf(version_function());
        context.register_udf(to_regtype_function());
        let names = crate::query::names(&context).await.unwrap_or_default();
        let context = Arc::new(context);
        let engine = RoleEngine {
            service: Arc::new(DfSessionService::new(context.clone())),
            context,
            names,
        };
        engines.insert(
            role,
            Kept {
                version: options.data_version.clone(),
                engine: engine.clone(),
            },
        );
        Ok(engine)
    }

    /// Every table of `finsam sql`.
    async fn evaluator_context(&self, dataset: &Dataset) -> Result<SessionContext, crate::Error> {
        let (engine, _) = crate::underlag::open_engine(
            dataset,
            &self.server.schema,
            self.server.queries.as_deref(),
            &ProjectSelection::All,
        )
        .await?;
        Ok(engine.context().clone())
    }

    /// `tavlor`, every number of every dashboard page as the site publishes it, and the
    /// code lists.
    async fn board_context(&self, options: &Options) -> Result<SessionContext, crate::Error> {
        let context = SessionContext::new_with_config(
            datafusion::prelude::SessionConfig::new().with_information_schema(true),
        );
        let mut rows = BoardRows::default();
        if !options.is_empty() {
            let site = self.server.site_data(options).await?;
            for dashboard in &self.server.definitions.dashboards {
                for selection in Selection::all(dashboard.choice, &site.options) {
                    let Some(panels) = site.panels(dashboard, &selection) else {
                        continue;
                    };
                    for panel in panels {
                        for point in &panel.points {
                            rows.push(&dashboard.name, &selection, &panel.panel.rubrik, point);
                        }
                    }
                }
            }
        }
        let tavlor = rows.batch();
        let tavlor = MemTable::try_new(tavlor.schema(), vec![vec![tavlor]])
            .map_err(crate::query::QueryError::from)?;
        context
            .register_table("tavlor", Arc::new(tavlor))
            .map_err(crate::query::QueryError::from)?;
        // The code lists as the evaluator's engine has them.
        crate::query::register_code_lists(&context, &self.server.schema)?;
        Ok(context)
    }
}

/// The rows of `tavlor`, one per published value.
#[derive(Default)]
struct BoardRows {
    tavla: Vec<String>,
    urval: Vec<String>,
    panel: Vec<String>,
    kategori: Vec<String>,
    serie: Vec<String>,
    antal: Vec<Option<i64>>,
    n: Vec<Option<i64>>,
    andel: Vec<Option<f64>>,
    lag: Vec<Option<f64>>,
    hog: Vec<Option<f64>>,
    /// A figure that counts no participant (a kommun's own), with its source.
    varde: Vec<Option<f64>>,
    kalla: Vec<Option<String>>,
    /// Hidden by disclosure control (a figure of a kommun's own never is).
    dold: Vec<bool>,
}

impl BoardRows {
    /// A point as the site publishes it: a count is what a reader sees (`None` where
    /// disclosure control hid it), never the exact value; the share and its interval
    /// are worked out from the shown counts.
    fn push(
        &mut self,
        dashboard: &str,
        selection: &Selection,
        panel: &str,
        point: &crate::dashboard::Point,
    ) {
        self.tavla.push(dashboard.to_string());
        self.urval.push(selection.label());
        self.panel.push(panel.to_string());
        self.kategori.push(point.kategori.clone());
        self.serie.push(point.serie.clone());
        self.antal.push(point.antal.shown());
        self.n.push(point.n.as_ref().and_then(|n| n.shown()));
        self.andel.push(point.andel);
        self.lag.push(point.lag);
        self.hog.push(point.hog);
        self.varde.push(point.varde);
        self.kalla.push(point.kalla.clone());
        self.dold
            .push(!point.nyckel.is_empty() && point.antal.shown().is_none());
    }

    fn batch(self) -> RecordBatch {
        let text = |name: &str| Field::new(name, DataType::Utf8, false);
        let schema = Arc::new(ArrowSchema::new(vec![
            text("tavla"),
            text("urval"),
            text("panel"),
            text("kategori"),
            text("serie"),
            Field::new("antal", DataType::Int64, true),
            Field::new("n", DataType::Int64, true),
            Field::new("andel", DataType::Float64, true),
            Field::new("lag", DataType::Float64, true),
            Field::new("hog", DataType::Float64, true),
            Field::new("dold", DataType::Boolean, false),
            Field::new("varde", DataType::Float64, true),
            Field::new("kalla", DataType::Utf8, true),
        ]));
        let hidden: BooleanArray = self.dold.iter().map(|d| Some(*d)).collect();
        let strings = |v: Vec<String>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let columns: Vec<ArrayRef> = vec![
            strings(self.tavla),
            strings(self.urval),
            strings(self.panel),
            strings(self.kategori),
            strings(self.serie),
            Arc::new(Int64Array::from(self.antal)),
            Arc::new(Int64Array::from(self.n)),
            Arc::new(Float64Array::from(self.andel)),
            Arc::new(Float64Array::from(self.lag)),
            Arc::new(Float64Array::from(self.hog)),
            Arc::new(hidden),
            Arc::new(Float64Array::from(self.varde)),
            Arc::new(StringArray::from(self.kalla)),
        ];
        RecordBatch::try_new(schema, columns).expect("columns of equal length")
    }
}

/// An error for the client. What the client sent may be in it, so anything shaped like
/// a personnummer is redacted.
fn user_error(code: &str, message: String) -> PgWireError {
    let message = crate::personnummer::redact_numbers(&message).into_owned();
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        code.into(),
        message,
    )))
}

/// Why a statement may not run for `role`, if it may not.
fn refusal(
    statement: &SqlStatement,
    role: Role,
    microdata: &BTreeSet<String>,
) -> Option<PgWireError> {
    // SQL-level PREPARE and EXECUTE are not among them: DataFusion keeps such plans in
    // the engine every connection of the role shares. Clients prepare through the
    // protocol (Parse, Bind), which is per connection.
    let allowed = crate::query::script::is_read_only_sql(statement)
        || matches!(
            statement,
            SqlStatement::Set(_)
                | SqlStatement::StartTransaction { .. }
                | SqlStatement::Commit { .. }
                | SqlStatement::Rollback { .. }
                | SqlStatement::Savepoint { .. }
                | SqlStatement::ReleaseSavepoint { .. }
                | SqlStatement::ShowVariable { .. }
                | SqlStatement::ShowStatus { .. }
                | SqlStatement::Discard { .. }
                | SqlStatement::Deallocate { .. }
        );
    if !allowed {
        let verb = crate::query::script::verb(&statement.to_string());
        return Some(user_error(
            "25006",
            format!(
                "bara satser som läser körs (SELECT, SHOW, DESCRIBE, EXPLAIN); {verb} körs inte"
            ),
        ));
    }
    if role == Role::Styrelse {
        let mut refused = None;
        let _ = datafusion::sql::sqlparser::ast::visit_relations(statement, |relation| {
            let name = relation
                .0
                .last()
                .map(|p| p.to_string().trim_matches('"').to_lowercase())
                .unwrap_or_default();
            if microdata.contains(&name) {
                refused = Some(name);
                return std::ops::ControlFlow::Break(());
            }
            std::ops::ControlFlow::Continue(())
        });
        if let Some(table) = refused {
            return Some(user_error(
                "42501",
                format!(
                    "tabellen {table} är mikrodata: kontot har rollen styrelse och läser bara det tavlorna publicerar (tabellen tavlor) och kodlistorna"
                ),
            ));
        }
    }
    None
}

/// The answer to a statement the engine must not see, given here: a `SET` of anything
/// but the client's own settings (ignored: the engine is shared), and savepoints
/// (nothing is written, so there is nothing to roll back to).
fn answered_here(statement: &SqlStatement) -> Option<Tag> {
    match statement {
        SqlStatement::Set(Set::SingleAssignment { variable, .. })
            if OWN_SETTINGS.contains(&variable.to_string().to_lowercase().as_str()) =>
        {
            None
        }
        SqlStatement::Set(Set::SetTimeZone { .. }) => None,
        SqlStatement::Set(_) => Some(Tag::new("SET")),
        SqlStatement::Savepoint { .. } => Some(Tag::new("SAVEPOINT")),
        SqlStatement::ReleaseSavepoint { .. } => Some(Tag::new("RELEASE")),
        SqlStatement::Rollback {
            savepoint: Some(_), ..
        } => Some(Tag::new("ROLLBACK")),
        // What a client's DEALLOCATE or DISCARD would drop is its own connection's
        // (the protocol's prepared statements): nothing of the shared engine.
        SqlStatement::Deallocate { .. } => Some(Tag::new("DEALLOCATE")),
        SqlStatement::Discard { .. } => Some(Tag::new("DISCARD ALL")),
        _ => None,
    }
}

/// The tables a styrelse account is refused by name: every table an evaluator has.
fn microdata_tables(server: &Server) -> BTreeSet<String> {
    let mut tables: BTreeSet<String> = server
        .schema
        .tables
        .iter()
        .flat_map(|t| [t.name.clone(), crate::query::all_versions(&t.name)])
        .collect();
    tables.extend(
        crate::workbench::ENGINE_TABLES
            .iter()
            .map(|(t, _, _)| t.to_string()),
    );
    if let Ok(files) = crate::report::queries::catalogue(server.queries.as_deref()) {
        tables.extend(files.iter().filter_map(|f| {
            f.name
                .strip_prefix("underlag/")?
                .strip_suffix(".sql")
                .map(str::to_string)
        }));
    }
    tables
}

/// One line of the audit log: who ran what (by its keyed hash), when, and how many rows
/// it returned; never the statement or its result.
#[derive(Debug, Clone, Serialize)]
struct AuditLine {
    tid: String,
    konto: String,
    roll: &'static str,
    /// HMAC-SHA256 of the statement as the client sent it (without the spaces around it
    /// and a closing `;`), under the log's own key
    /// (`_granskning/nyckel`): whoever has the key and a statement can find its lines,
    /// but a reader of the log alone cannot try every personnummer in a guessed query.
    sats_hmac: String,
    /// Which statement of the message (from 1), when it held several.
    #[serde(skip_serializing_if = "Option::is_none")]
    sats_nr: Option<usize>,
    rader: u64,
    /// `ok`, `avvisad` (refused before it ran), `fel` (it failed) or `avbruten`
    /// (the client stopped reading).
    utfall: &'static str,
}

struct AuditLog {
    path: PathBuf,
    key: Vec<u8>,
}

/// The audit log's key file, beside the log.
pub const AUDIT_KEY_FILE: &str = "nyckel";

impl AuditLog {
    /// The log in `dir`, with its key: read, or made (256 random bits, readable by the
    /// owner only) the first time.
    fn open(dir: &std::path::Path) -> std::io::Result<AuditLog> {
        std::fs::create_dir_all(dir)?;
        let key_path = dir.join(AUDIT_KEY_FILE);
        let key = match std::fs::read_to_string(&key_path) {
            Ok(text) => decode_hex(text.trim()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
                crate::pseudonymise::write_new_private(
                    &key_path,
                    format!("{}\n", encode_hex(&key)).as_bytes(),
                )?;
                Some(key.to_vec())
            }
            Err(e) => return Err(e),
        };
        let key = key.filter(|k| k.len() == 32).ok_or_else(|| {
            std::io::Error::other(format!(
                "{}: ingen nyckel på 64 hexsiffror",
                key_path.display()
            ))
        })?;
        Ok(AuditLog {
            path: dir.join(AUDIT_FILE),
            key,
        })
    }

    /// The statement's keyed hash.
    fn hash(&self, sql: &str) -> String {
        use hmac::Mac;
        let mut mac =
            hmac::Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(sql.as_bytes());
        encode_hex(&mac.finalize().into_bytes())
    }

    fn write(&self, line: &AuditLine) {
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = jsonl::append(&self.path, std::slice::from_ref(line)) {
            eprintln!("finsam serve: granskningsloggen kunde inte skrivas: {e}");
        }
    }
}

/// Counts the rows a client reads and writes the statement's audit line when the
/// results end (or the client stops reading).
struct Counted {
    rows: pgwire::api::results::SendableRowStream,
    count: u64,
    failed: bool,
    line: Option<AuditLine>,
    log: Arc<AuditLog>,
}

impl Stream for Counted {
    type Item = PgWireResult<pgwire::messages::data::DataRow>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.rows.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(_))) => self.count += 1,
            Poll::Ready(Some(Err(_))) => self.failed = true,
            Poll::Ready(None) => self.finish("ok"),
            Poll::Pending => {}
        }
        polled
    }
}

impl Counted {
    fn finish(&mut self, outcome: &'static str) {
        if let Some(mut line) = self.line.take() {
            line.rader = self.count;
            line.utfall = if self.failed { "fel" } else { outcome };
            self.log.write(&line);
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.finish("avbruten");
    }
}

/// One connection's handlers (the startup handler keeps the SCRAM exchange's state).
struct Handlers {
    endpoint: Arc<Endpoint>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        Arc::new(Router::new(self.endpoint.clone()))
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        Arc::new(Router::new(self.endpoint.clone()))
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        let passwords = Arc::new(StoredPasswords {
            accounts: self.endpoint.accounts(),
            served: std::sync::Mutex::default(),
        });
        let mut scram = ScramAuth::new(passwords.clone());
        scram.set_iterations(ITERATIONS);
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.is_superuser = false;
        parameters.default_transaction_read_only = true;
        Arc::new(Login {
            scram: SASLAuthStartupHandler::new(Arc::new(parameters)).with_scram(scram),
            passwords,
        })
    }
}

/// The connection's metadata key for the account it logged in as (its creation time):
/// a statement on a connection whose account has since been revoked, and perhaps made
/// again under the same name with another role, is refused.
const METADATA_ACCOUNT: &str = "finsam_konto_skapat";

/// SCRAM-SHA-256 against the stored hashes; once the login succeeds, the connection
/// remembers which account it was.
struct Login {
    scram: SASLAuthStartupHandler<DefaultServerParameterProvider>,
    passwords: Arc<StoredPasswords>,
}

#[async_trait]
impl StartupHandler for Login {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: pgwire::messages::PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.scram.on_startup(client, message).await?;
        if matches!(
            client.state(),
            pgwire::api::PgWireConnectionState::ReadyForQuery
        ) && !client.metadata().contains_key(METADATA_ACCOUNT)
            && let Some(created) = self.passwords.served.lock().ok().and_then(|s| s.clone())
        {
            client
                .metadata_mut()
                .insert(METADATA_ACCOUNT.to_string(), created);
        }
        Ok(())
    }
}

/// The SCRAM hashes of the accounts. An unknown or revoked account gets a hash of
/// random bytes, so its exchange fails as a wrong password's does.
#[derive(Debug)]
struct StoredPasswords {
    accounts: Accounts,
    /// The creation time of the account whose hash was given (one connection's).
    served: std::sync::Mutex<Option<String>>,
}

#[async_trait]
impl AuthSource for StoredPasswords {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let name = login.user().unwrap_or_default();
        let account = self
            .accounts
            .find(name)
            .map_err(|e| user_error("58000", format!("kontona kunde inte läsas: {e}")))?;
        let stored = account
            .and_then(|a| Some((decode_hex(&a.salt)?, decode_hex(&a.scram_sha256)?, a.skapat)));
        Ok(match stored {
            Some((salt, hash, created)) => {
                if let Ok(mut served) = self.served.lock() {
                    *served = Some(created);
                }
                Password::new(Some(salt), hash)
            }
            None => {
                let mut random = [0u8; 48];
                getrandom::fill(&mut random)
                    .map_err(|e| user_error("58000", format!("slumpkällan: {e}")))?;
                Password::new(Some(random[..16].to_vec()), random[16..].to_vec())
            }
        })
    }
}

/// Runs each statement on the engine of the client's role, after the checks, and
/// writes its audit line.
struct Router {
    endpoint: Arc<Endpoint>,
    parser: Arc<RouterParser>,
}

impl Router {
    fn new(endpoint: Arc<Endpoint>) -> Router {
        Router {
            parser: Arc::new(RouterParser {
                endpoint: endpoint.clone(),
            }),
            endpoint,
        }
    }

    /// The response with its audit line: now for one without rows, when the rows end
    /// for a query.
    fn audited(&self, response: Response, line: AuditLine) -> Response {
        match response {
            Response::Query(query) => {
                let QueryResponse {
                    command_tag,
                    row_schema,
                    data_rows,
                    ..
                } = query;
                let counted = Counted {
                    rows: data_rows,
                    count: 0,
                    failed: false,
                    line: Some(line),
                    log: self.endpoint.audit.clone(),
                };
                let mut query = QueryResponse::new(row_schema, counted);
                query.set_command_tag(&command_tag);
                Response::Query(query)
            }
            other => {
                self.endpoint.audit.write(&line);
                other
            }
        }
    }
}

impl Endpoint {
    /// A statement's audit line, before it has run.
    fn line<C: ClientInfo + ?Sized>(
        &self,
        client: &C,
        role: &'static str,
        sql: &str,
        number: Option<usize>,
    ) -> AuditLine {
        AuditLine {
            tid: now_rfc3339(),
            konto: client
                .metadata()
                .get(METADATA_USER)
                .cloned()
                .unwrap_or_default(),
            roll: role,
            sats_hmac: self.audit.hash(sql.trim().trim_end_matches(';').trim_end()),
            sats_nr: number,
            rader: 0,
            utfall: "ok",
        }
    }

    /// Writes the line of a statement that did not run: `avvisad` (refused) or `fel`.
    fn not_run(&self, mut line: AuditLine, outcome: &'static str) {
        line.utfall = outcome;
        self.audit.write(&line);
    }
}

/// The role's name for an audit line, or `okänd` when the account could not be told.
fn role_name(role: &PgWireResult<Role>) -> &'static str {
    role.as_ref().map_or("okänd", |r| r.name())
}

/// DataFusion's error told in Swedish, with its code: an unknown table or column is
/// PostgreSQL's 42P01 / 42703, anything else the statement's fault 42000.
fn swedish(error: PgWireError, sql: &str, names: &advice::Names) -> PgWireError {
    let PgWireError::ApiError(inner) = error else {
        return error;
    };
    let inner = match inner.downcast::<datafusion::error::DataFusionError>() {
        Ok(datafusion) => *datafusion,
        Err(other) => return PgWireError::ApiError(other),
    };
    let root = inner.find_root().to_string();
    let code = if root.contains("not found") && root.contains("table") {
        "42P01"
    } else if root.contains("No field named") {
        "42703"
    } else {
        "42000"
    };
    user_error(code, advice::explain(inner, sql, names).to_string())
}

#[async_trait]
impl SimpleQueryHandler for Router {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let endpoint = &self.endpoint;
        let role = endpoint.role_of(client);
        let statements = match (&role, endpoint.sql.parse(query)) {
            (Ok(_), Ok(statements)) => statements,
            (Err(_), _) => {
                endpoint.not_run(
                    endpoint.line(client, role_name(&role), query, None),
                    "avvisad",
                );
                return Err(role.expect_err("matched"));
            }
            (Ok(_), Err(e)) => {
                endpoint.not_run(endpoint.line(client, role_name(&role), query, None), "fel");
                return Err(user_error("42601", format!("frågan kan inte tolkas: {e}")));
            }
        };
        let role = role?;
        if statements.is_empty() {
            return Ok(vec![Response::EmptyQuery]);
        }
        let several = statements.len() > 1;
        let number = |index: usize| several.then_some(index + 1);
        // Every statement is checked before any runs.
        for (index, statement) in statements.iter().enumerate() {
            if let Some(refused) = refusal(statement, role, &endpoint.microdata) {
                endpoint.not_run(
                    endpoint.line(client, role.name(), query, number(index)),
                    "avvisad",
                );
                return Err(refused);
            }
        }
        let engine = endpoint.engine(role).await?;
        let mut responses = Vec::with_capacity(statements.len());
        for (index, statement) in statements.iter().enumerate() {
            let line = endpoint.line(client, role.name(), query, number(index));
            if let Some(tag) = answered_here(statement) {
                responses.push(self.audited(Response::Execution(tag), line));
                continue;
            }
            let text = statement.to_string();
            // A query's plan, checked too: what it would do, not only what it says.
            if matches!(
                statement,
                SqlStatement::Query(_) | SqlStatement::Explain { .. }
            ) {
                let planned = engine
                    .context
                    .state()
                    .statement_to_plan(datafusion::sql::parser::Statement::Statement(Box::new(
                        statement.clone(),
                    )))
                    .await;
                let checked = match planned {
                    Ok(plan) => engine.check(&plan),
                    Err(e) => Err(swedish(
                        PgWireError::ApiError(Box::new(e)),
                        &text,
                        &engine.names,
                    )),
                };
                if let Err(error) = checked {
                    endpoint.not_run(line, "avvisad");
                    return Err(error);
                }
            }
            match SimpleQueryHandler::do_query(&*engine.service, client, &text).await {
                Ok(mut answered) => {
                    let response = answered.pop().unwrap_or(Response::EmptyQuery);
                    responses.push(self.audited(response, line));
                }
                Err(error) => {
                    endpoint.not_run(line, "fel");
                    return Err(swedish(error, &text, &engine.names));
                }
            }
        }
        Ok(responses)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Router {
    type Statement = DfStatement;
    type QueryParser = RouterParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let endpoint = &self.endpoint;
        let sql = portal.statement.statement.0.clone();
        let role = match endpoint.role_of(client) {
            Ok(role) => role,
            Err(error) => {
                endpoint.not_run(endpoint.line(client, "okänd", &sql, None), "avvisad");
                return Err(error);
            }
        };
        let line = endpoint.line(client, role.name(), &sql, None);
        // The statement passed the checks when it was parsed (by this router, for this
        // connection, whose account cannot change); what the engine must not see is
        // answered here.
        if let (_, Some((statement, _))) = &portal.statement.statement
            && let Some(tag) = answered_here(statement)
        {
            return Ok(self.audited(Response::Execution(tag), line));
        }
        let engine = endpoint.engine(role).await?;
        match ExtendedQueryHandler::do_query(&*engine.service, client, portal, max_rows).await {
            Ok(response) => Ok(self.audited(response, line)),
            Err(error) => {
                endpoint.not_run(line, "fel");
                Err(swedish(error, &sql, &engine.names))
            }
        }
    }
}

/// Parses a prepared statement for the client's role, refusing what may not run.
struct RouterParser {
    endpoint: Arc<Endpoint>,
}

#[async_trait]
impl QueryParser for RouterParser {
    type Statement = DfStatement;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let endpoint = &self.endpoint;
        let role = endpoint.role_of(client);
        let line = endpoint.line(client, role_name(&role), sql, None);
        let parsed = self.parse(client, role, sql, types).await;
        if let Err(outcome) = &parsed {
            endpoint.not_run(line, outcome.0);
        }
        parsed.map_err(|(_, error)| error)
    }

    fn get_parameter_types(&self, statement: &Self::Statement) -> PgWireResult<Vec<Type>> {
        self.endpoint.describer.get_parameter_types(statement)
    }

    fn get_result_schema(
        &self,
        statement: &Self::Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        self.endpoint
            .describer
            .get_result_schema(statement, column_format)
    }
}

impl RouterParser {
    /// The statement planned for the role's engine; on failure also the audit outcome
    /// (`avvisad` or `fel`).
    async fn parse<C>(
        &self,
        client: &C,
        role: PgWireResult<Role>,
        sql: &str,
        types: &[Option<Type>],
    ) -> Result<Option<DfStatement>, (&'static str, PgWireError)>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let role = role.map_err(|e| ("avvisad", e))?;
        let statements = self.endpoint.sql.parse(sql).map_err(|e| {
            (
                "fel",
                user_error("42601", format!("frågan kan inte tolkas: {e}")),
            )
        })?;
        for statement in &statements {
            if let Some(refused) = refusal(statement, role, &self.endpoint.microdata) {
                return Err(("avvisad", refused));
            }
        }
        if let [statement] = statements.as_slice()
            && answered_here(statement).is_some()
        {
            return Ok(Some((
                statement.to_string(),
                Some((statement.clone(), empty_plan())),
            )));
        }
        let engine = self.endpoint.engine(role).await.map_err(|e| ("fel", e))?;
        let parser: Arc<Parser> = ExtendedQueryHandler::query_parser(&*engine.service);
        let parsed = parser
            .parse_sql(client, sql, types)
            .await
            .map_err(|e| ("fel", swedish(e, sql, &engine.names)))?;
        // What the plan would do, not only what the statement says.
        if let Some((_, Some((_, plan)))) = &parsed {
            engine.check(plan).map_err(|e| ("avvisad", e))?;
        }
        Ok(parsed)
    }
}

/// `version()` as PostgreSQL words it, which clients read the server's version from
/// (SQLAlchemy refuses a server whose version it cannot parse), naming finsam and
/// DataFusion after it.
fn version_function() -> datafusion::logical_expr::ScalarUDF {
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    let text = format!(
        "PostgreSQL 16.6 (finsam {}, Apache DataFusion {})",
        env!("CARGO_PKG_VERSION"),
        datafusion::DATAFUSION_VERSION
    );
    create_udf(
        "version",
        vec![],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |_| {
            Ok(ColumnarValue::Scalar(
                datafusion::scalar::ScalarValue::Utf8(Some(text.clone())),
            ))
        }),
    )
}

/// `to_regtype(name)`: the type's oid, or NULL when there is none. The engine has no
/// user-defined types (hstore, say), which is all clients ask it for (psycopg's type
/// lookup, under SQLAlchemy), so every answer is NULL.
fn to_regtype_function() -> datafusion::logical_expr::ScalarUDF {
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    create_udf(
        "to_regtype",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Immutable,
        Arc::new(|_| {
            Ok(ColumnarValue::Scalar(
                datafusion::scalar::ScalarValue::Int32(None),
            ))
        }),
    )
}

/// The plan of a statement that returns nothing (one [`answered_here`]).
fn empty_plan() -> datafusion::logical_expr::LogicalPlan {
    datafusion::logical_expr::LogicalPlan::EmptyRelation(datafusion::logical_expr::EmptyRelation {
        produce_one_row: false,
        schema: Arc::new(datafusion::common::DFSchema::empty()),
    })
}

/// TLS for the endpoint from a PEM certificate chain and its private key.
pub fn tls_acceptor(
    certificate: &std::path::Path,
    key: &std::path::Path,
) -> Result<TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| {
            format!(
                "{}: certifikatet kunde inte läsas: {e}",
                certificate.display()
            )
        })?;
    if certificates.is_empty() {
        return Err(format!(
            "{}: inget certifikat (PEM) i filen",
            certificate.display()
        ));
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        format!(
            "{}: den privata nyckeln kunde inte läsas: {e}",
            key.display()
        )
    })?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(certificates, private_key)
    .map_err(|e| format!("certifikatet och nyckeln hör inte ihop: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
