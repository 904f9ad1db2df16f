use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: loading a large manifest is mostly building
/// trees of small strings and maps, on the parse threads and then on the main thread, and
/// the system allocator kept every thread's freed memory to itself and faulted in fresh
/// pages for the next; `validate` of 10,000 resources ran in two thirds of the time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`, mimalloc v3's
/// `mimalloc.h`; the test below holds it to the option's default in `options.c`).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed is given back to the system at once rather than a second later: a plan frees
/// the manifest's trees as it goes, and a delayed return kept a fifth more memory resident
/// at its peak, for no measurable speed.
#[allow(unsafe_code)]
fn return_freed_memory_at_once() {
    // SAFETY: sets one integer option of the allocator; mimalloc reads its options
    // atomically, so changing one while other threads allocate is allowed.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
    let cli = match deployplan::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` print and succeed. Any usage error exits 1, never
            // clap's default 2: with `--detailed-exitcode`, 2 means "changes present", and
            // a CI job with a mistyped flag must fail, not report changes.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    deployplan::app::run(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option's number names the purge delay: its default (1,000 ms) before it is set,
    /// its neighbours' defaults around it, and 0 after.
    #[test]
    #[allow(unsafe_code)]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads and sets integer options of the allocator (see above).
        let get = |option| unsafe { libmimalloc_sys::mi_option_get(option) };
        assert_eq!(get(MI_OPTION_PURGE_DELAY), 1000, "purge_delay's default");
        assert_eq!(get(MI_OPTION_PURGE_DELAY + 1), 0, "use_numa_nodes' default");
        assert_eq!(get(MI_OPTION_PURGE_DELAY + 3), 100, "os_tag's default");
        return_freed_memory_at_once();
        assert_eq!(get(MI_OPTION_PURGE_DELAY), 0);
    }
}
