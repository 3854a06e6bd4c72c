// Included by the app's and the floor's build scripts, so both binaries are linked alike.

/// Packs the binary's relative relocations (DT_RELR): the loader reads every relocation at
/// start, and the app's ~65,000 take 1.5 MB as classic RELA entries, all of it resident for the
/// life of the process; packed they take a few KB. Linux with glibc ≥ 2.36 and binutils ≥ 2.38
/// (Debian 12); GNU ld leaves them unpacked where glibc lacks `GLIBC_ABI_DT_RELR`.
fn pack_relative_relocs() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    println!("cargo:rerun-if-env-changed=TBDESK_NO_RELR");
    if os == "linux" && env == "gnu" && std::env::var_os("TBDESK_NO_RELR").is_none() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
