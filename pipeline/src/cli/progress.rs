//! Progress bars on stderr for the tables a submission is read in: how the CLI draws
//! the library's [`Progress`].

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use finsam::intake::{Progress, TableProgress};

/// One bar per table being read; bars go when their table is read.
pub struct Bars(MultiProgress);

impl Bars {
    pub fn on_stderr() -> Bars {
        Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
    }
}

impl Progress for Bars {
    fn table(&self, label: &str) -> Box<dyn TableProgress + '_> {
        let bar = ProgressBar::no_length();
        bar.set_style(
            ProgressStyle::with_template("{prefix:>32} [{bar:30}] {percent:>3}%")
                .expect("template is valid")
                .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        Box::new(Bar(self.0.add(bar)))
    }
}

struct Bar(ProgressBar);

impl TableProgress for Bar {
    fn advance(&mut self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
