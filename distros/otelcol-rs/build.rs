//! Link-time settings of the `otelcol-rs` binary.

fn main() {
    // Pack the ~40,000 relative relocations of this position-independent
    // binary (DT_RELR; GNU ld ≥ 2.38, glibc ≥ 2.36): the loader then reads a
    // few KB instead of ~0.9 MB of `.rela.dyn` at every start, which is
    // resident memory for the life of the process (BENCHMARKS.md, idle RSS).
    // `OTELCOL_NO_RELR=1` builds without it for older toolchains.
    println!("cargo:rerun-if-env-changed=OTELCOL_NO_RELR");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if linux_gnu && std::env::var_os("OTELCOL_NO_RELR").is_none() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
