//! Running the kdrsim binary from a test: one runner, one kind of
//! temporary directory, used by every test file that runs the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The variables that pick a shard (`kdrsim run` reads them when no
/// `--shard` is given): removed, so a test run inside a Slurm job array
/// tests what it says.
pub const SHARD_ENV: [&str; 4] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
];

/// The repository root, where relative scenario paths resolve.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_kdrsim")
}

/// Runs kdrsim in `dir` with `env` set and no shard variable but those.
pub fn kdrsim_in_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir);
    for var in SHARD_ENV {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

/// Runs kdrsim in `dir`.
pub fn kdrsim_in(dir: &Path, args: &[&str]) -> Output {
    kdrsim_in_env(dir, args, &[])
}

/// Runs kdrsim in the repository root.
pub fn kdrsim(args: &[&str]) -> Output {
    kdrsim_in(root(), args)
}

/// Runs kdrsim in the repository root with `env` set.
pub fn kdrsim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    kdrsim_in_env(root(), args, env)
}

/// A fresh, empty directory for one test: named after the test binary,
/// the process and `name`, so concurrent tests never share one.
pub fn temp_dir(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let binary = exe.file_stem().unwrap().to_string_lossy();
    let binary = binary.split('-').next().unwrap_or("test").to_string();
    let dir = std::env::temp_dir().join(format!("kdrsim-{binary}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until the process has installed its SIGINT handler (Linux shows
/// caught signals in /proc/PID/status as the `SigCgt` mask; SIGINT is bit
/// 1), so the test never races the start-up on a loaded machine. Elsewhere,
/// a fixed wait.
pub fn wait_until_sigint_is_caught(pid: u32) {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(30) {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            return;
        };
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << 1) != 0);
        if caught {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
