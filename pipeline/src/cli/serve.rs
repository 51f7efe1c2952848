use std::net::SocketAddr;
use std::path::Path;

use finsam::dashboard;
use finsam::serve::{Server, serve};

use super::dashboard::Sources;
use super::{DataArgs, Exit};

/// Serve the dashboards over HTTP until Ctrl-C or SIGTERM.
///
/// Example: finsam serve --data data --addr 127.0.0.1:8080
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    sources: Sources,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: Args) -> finsam::Result<Exit> {
    let definitions = args.sources.definitions()?;
    let template = dashboard::template(args.sources.dashboards.as_deref())?;
    let server = Server {
        data: args.data.data.clone(),
        schema: args.data.schema()?,
        definitions,
        template,
        queries: args.sources.queries.clone(),
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let io = |e| finsam::Error::io(Path::new(&args.addr.to_string()), e);
        let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(io)?;
        let bound = listener.local_addr().map_err(io)?;
        // The first line of output: scripts and tests read the address from it.
        println!("finsam serve: lyssnar på http://{bound}/ (avsluta med Ctrl-C)");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        serve(listener, server, shutdown_signal())
            .await
            .map_err(io)?;
        eprintln!("finsam serve: avslutad");
        Ok(Exit::Ok)
    })
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
