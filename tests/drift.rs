//! Running finsam at a förbund, as the README's "Drift" section says: the settings file
//! of deploy/ (its paths moved into a temp dir), an OPRF key on the server, the service
//! as a process, a submission without the key, a backup and the audit log; and the
//! systemd units of deploy/ as `systemd-analyze verify` reads them.

use std::path::Path;

use crate::served::Served;
use crate::workdir::{Workdir, fixture, repo};

/// deploy/finsam.toml with `/srv/finsam` and `/etc/finsam` under the work dir; its path.
fn settings(wd: &Workdir) -> String {
    let text = std::fs::read_to_string(repo("deploy/finsam.toml")).unwrap();
    let root = wd.path("").display().to_string();
    let text = text
        .replace("/srv/finsam", &format!("{root}srv"))
        .replace("/etc/finsam", &format!("{root}etc"))
        .replace("127.0.0.1:8080", "127.0.0.1:0");
    std::fs::create_dir_all(wd.path("etc")).unwrap();
    wd.write("etc/finsam.toml", text).display().to_string()
}

#[test]
fn the_drift_section_runs_as_written() {
    let wd = Workdir::new();
    let config = settings(&wd);
    // The steps of the README, as the administrator runs them (no FINSAM_KEY_FILE: the
    // settings name the key).
    let run = |args: &[&str]| {
        let mut all = vec!["--config", config.as_str()];
        all.extend_from_slice(args);
        crate::workdir::Run::from(
            wd.command(&all)
                .env_remove("FINSAM_KEY_FILE")
                .output()
                .unwrap(),
        )
    };
    run(&[
        "keygen",
        "--oprf",
        "--out",
        &wd.path("etc/oprf-nyckel").display().to_string(),
    ])
    .ok();
    let shown = run(&["config", "visa"]).ok().to_string();
    assert!(
        shown.contains("serve.oprf_per_timme") && shown.contains("20000"),
        "{shown}"
    );
    assert!(
        shown.contains("srv/data") && shown.contains("filen"),
        "{shown}"
    );
    run(&[
        "token",
        "create",
        "--projekt",
        "SIGMA",
        "--out",
        "sigma.token",
        "--nytt-projekt",
    ])
    .ok();
    let mut serve = wd.command(&["--config", &config, "serve"]);
    serve.env_remove("FINSAM_KEY_FILE");
    let server = Served::spawn(serve);
    let started = std::time::Instant::now();
    while !server.output().contains("/api/v1/oprf") && started.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        server
            .output()
            .contains("pseudonymiserar åt avsändare utan nyckel"),
        "{}",
        server.output()
    );
    // The project leader's machine: no key, no settings file.
    let sigma = fixture("sigma_2008H1");
    let sent = crate::workdir::Run::from(
        wd.command(&[
            "submit",
            sigma.to_str().unwrap(),
            "--to",
            &server.url(),
            "--token-file",
            "sigma.token",
        ])
        .env_remove("FINSAM_KEY_FILE")
        .output()
        .unwrap(),
    );
    assert!(sent.ok().contains("inläst: ny"), "{}", sent.stdout);
    let backup = run(&["backup"]).ok().to_string();
    assert!(backup.contains("srv/backup/finsam-"), "{backup}");
    let audit = run(&["logg", "--projekt", "SIGMA"]).ok().to_string();
    assert!(
        audit.contains("/api/v1/oprf") && audit.contains("/api/v1/inlamningar"),
        "{audit}"
    );
    run(&["gallra"]).ok();
    run(&["status"]).ok();
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");

    // A settings file with a key finsam does not know is refused, naming its line.
    let mut text = wd.read("etc/finsam.toml");
    text = text.replace("oprf_per_timme", "oprf_per_time");
    wd.write("etc/finsam.toml", &text);
    let line = text
        .lines()
        .position(|l| l.starts_with("oprf_per_time"))
        .unwrap()
        + 1;
    let refused = run(&["status"]);
    assert!(
        refused.invalid().contains(&format!(
            "finsam.toml, rad {line}: okänd nyckel `oprf_per_time`"
        )),
        "{}",
        refused.stderr
    );
}

#[test]
fn the_systemd_units_verify() {
    let wd = Workdir::new();
    let binary = env!("CARGO_BIN_EXE_finsam");
    let mut units = Vec::new();
    for name in [
        "finsam.service",
        "finsam-backup.service",
        "finsam-backup.timer",
    ] {
        let text = std::fs::read_to_string(repo(&format!("deploy/{name}")))
            .unwrap()
            .replace("/usr/local/bin/finsam", binary);
        units.push(wd.write(name, text).display().to_string());
    }
    let output = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .current_dir(Path::new(&wd.path("")))
        .output()
        .expect("systemd-analyze (Debian's systemd package; .ci/run installs it)");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && said.trim().is_empty(), "{said}");
}
