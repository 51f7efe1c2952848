use finsam::serve::audit::{self, ApiLine};

use super::{DataArgs, Exit};

/// Visa API:ets granskningslogg: en rad per begäran till finsam serve (/api/…), med
/// tid, tokens id (aldrig token), projekt, klientens adress, väg, status och inlämning.
///
/// Exempel:
///   finsam logg --data data --projekt SIGMA
///   finsam logg --token 3f9a01c2 --fran 2026-12-01
///   finsam logg --fran 2026-12-07T08:00 --till 2026-12-07T09:00 --format json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Bara begäranden med det här projektets token.
    #[arg(long)]
    projekt: Option<String>,
    /// Bara begäranden med den här token (dess id, från finsam token list).
    #[arg(long, value_name = "ID")]
    token: Option<String>,
    /// Från och med den här tiden (2026-12-07 eller 2026-12-07T08:00, UTC).
    #[arg(long, value_name = "TID")]
    fran: Option<String>,
    /// Till och med den här tiden.
    #[arg(long, value_name = "TID")]
    till: Option<String>,
    /// Hur raderna skrivs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let lines = audit::read(&data.data)?;
    let shown: Vec<&ApiLine> = lines.iter().filter(|line| selected(&args, line)).collect();
    match args.format {
        Format::Json => {
            for line in &shown {
                println!(
                    "{}",
                    serde_json::to_string(line)
                        .map_err(|e| finsam::Error::Output(e.to_string()))?
                );
            }
        }
        Format::Text => {
            println!(
                "{:<20} {:<8} {:<10} {:<15} {:<6} {:<52} {:>6} {:>8}  inlämning",
                "tid", "token", "projekt", "klient", "metod", "väg", "status", "ms"
            );
            for line in &shown {
                println!(
                    "{:<20} {:<8} {:<10} {:<15} {:<6} {:<52} {:>6} {:>8.1}  {}",
                    line.tid,
                    line.token.as_deref().unwrap_or("-"),
                    line.projekt.as_deref().unwrap_or("-"),
                    line.klient.as_deref().unwrap_or("-"),
                    line.metod,
                    line.vag,
                    line.status,
                    line.ms,
                    line.inlamning.as_deref().unwrap_or("-")
                );
            }
            eprintln!("finsam: {} av {} rader", shown.len(), lines.len());
        }
    }
    Ok(Exit::Ok)
}

/// Whether a line passes every filter given. Times compare as text: RFC 3339 in UTC
/// sorts as it reads, and a shorter bound (a date) covers all of its day.
fn selected(args: &Args, line: &ApiLine) -> bool {
    let project = args.projekt.as_deref().is_none_or(|p| {
        line.projekt
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(p))
    });
    let token = args
        .token
        .as_deref()
        .is_none_or(|t| line.token.as_deref() == Some(t));
    let from = args.fran.as_deref().is_none_or(|f| line.tid.as_str() >= f);
    let to = args
        .till
        .as_deref()
        .is_none_or(|t| line.tid.get(..t.len()).is_some_and(|prefix| prefix <= t));
    project && token && from && to
}
