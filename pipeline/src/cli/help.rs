//! clap's own words in the help, in Swedish: the headings, the usage line, the help and
//! version flags, the help subcommand and the notes after an option (default, environment
//! variable, possible values). The texts we write (about, option help) are Swedish in the
//! subcommand files; clap 4 has no setting for its own words, so the command is built first
//! (which adds the help flag and the help subcommand) and the built tree is then rewritten.
//! clap's error messages ("error: unexpected argument …") stay English.

use clap::builder::{PossibleValue, StyledStr};
use clap::{Arg, Command};

/// The about line of clap's `help` subcommand.
const HELP_ABOUT: &str = "Visa den här hjälpen eller hjälpen för ett kommando";

/// `command` built, with clap's words in its help in Swedish all the way down.
pub fn swedish(mut command: Command) -> Command {
    command.build();
    translate(command)
}

fn translate(command: Command) -> Command {
    let template = template(&command);
    let mut command = command
        .help_template(template)
        .subcommand_help_heading("Kommandon")
        .subcommand_value_name("KOMMANDO")
        .mut_args(translate_arg)
        .mut_subcommands(translate);
    if command.get_name() == "help" {
        command = command.about(HELP_ABOUT);
    }
    let usage = usage(&mut command);
    command.override_usage(usage)
}

/// clap's default template with the usage heading in Swedish; the other headings come
/// from `help_heading`, set on every argument by `translate_arg`.
fn template(command: &Command) -> String {
    let style = command.get_styles().get_usage();
    let heading = format!("{style}Användning:{style:#} {{usage}}");
    let has_args = command.get_arguments().any(|a| !a.is_hide_set()) || command.has_subcommands();
    if has_args {
        format!("{{before-help}}{{about-with-newline}}\n{heading}\n\n{{all-args}}{{after-help}}")
    } else {
        format!("{{before-help}}{{about-with-newline}}\n{heading}{{after-help}}")
    }
}

/// clap's usage line, styled as clap styles it, without its title and with `[FLAGGOR]`
/// for `[OPTIONS]`.
fn usage(command: &mut Command) -> StyledStr {
    let rendered = command.render_usage().ansi().to_string();
    let (_title, usage) = rendered
        .split_once(' ')
        .expect("clap renders the usage as \"Usage: <usage>\"");
    usage.replace("[OPTIONS]", "[FLAGGOR]").into()
}

fn translate_arg(arg: Arg) -> Arg {
    let arg = match arg.get_id().as_str() {
        // clap's help flag has a long help when the command has more to show with --help.
        "help" if arg.get_long_help().is_some() => arg
            .help("Visa hjälpen (utförligare med '--help')")
            .long_help("Visa hjälpen (kortare med '-h')"),
        "help" => arg.help("Visa hjälpen"),
        "version" => arg.help("Visa versionen"),
        _ => arg,
    };
    let arg = match arg.get_help_heading() {
        Some(_) => arg,
        None if arg.is_positional() => arg.help_heading("Argument"),
        None => arg.help_heading("Flaggor"),
    };
    with_notes(arg)
}

/// `arg` with clap's notes after its help hidden and written into the help in Swedish,
/// in clap's order and layout: on the same line in the short help, each on a line of its
/// own in the long help, where possible values with a help of their own get a list.
fn with_notes(arg: Arg) -> Arg {
    let mut notes = Vec::new();
    if let Some(name) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
        let value = match std::env::var_os(name) {
            Some(value) if !arg.is_hide_env_values_set() => format!("={}", value.to_string_lossy()),
            _ => String::new(),
        };
        notes.push(format!(
            "[miljövariabel: {}{value}]",
            name.to_string_lossy()
        ));
    }
    let defaults = arg.get_default_values();
    if arg.get_action().takes_values() && !arg.is_hide_default_value_set() && !defaults.is_empty() {
        let defaults: Vec<_> = defaults.iter().map(|d| d.to_string_lossy()).collect();
        notes.push(format!("[standard: {}]", defaults.join(" ")));
    }
    let values: Vec<PossibleValue> = if arg.is_hide_possible_values_set() {
        Vec::new()
    } else {
        let values = arg.get_possible_values().into_iter();
        values.filter(|v| !v.is_hide_set()).collect()
    };
    if notes.is_empty() && values.is_empty() {
        return arg;
    }
    let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
    let value_list =
        (!values.is_empty()).then(|| format!("[möjliga värden: {}]", names.join(", ")));
    let help = arg.get_help().map(|h| h.ansi().to_string());
    let long_help = arg.get_long_help().map(|h| h.ansi().to_string());

    let mut short: Vec<String> = help.clone().into_iter().collect();
    short.extend(notes.iter().cloned());
    short.extend(value_list.clone());
    // The long help lists the values with their help, as clap does, when any has one.
    let mut long: Vec<String> = long_help.or(help).into_iter().collect();
    if values.iter().any(|v| v.get_help().is_some()) {
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0) + 1;
        let items = values.iter().map(|v| match v.get_help() {
            Some(help) => format!("- {:<width$} {}", format!("{}:", v.get_name()), help.ansi()),
            None => format!("- {}", v.get_name()),
        });
        let list: Vec<String> = std::iter::once("Möjliga värden:".to_string())
            .chain(items)
            .collect();
        long.push(list.join("\n"));
    } else {
        notes.extend(value_list);
    }
    if !notes.is_empty() {
        long.push(notes.join("\n"));
    }
    arg.hide_env(true)
        .hide_default_value(true)
        .hide_possible_values(true)
        .help(short.join(" "))
        .long_help(long.join("\n\n"))
}
