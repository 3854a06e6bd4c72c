include!("../../src-tauri/link.rs");

fn main() {
    pack_relative_relocs();
    tauri_build::build();
}
