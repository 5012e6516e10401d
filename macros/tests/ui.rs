//! Compile tests of `#[derive(Resource)]`: what compiles (and what it
//! generates), and the error each bad attribute gives, pointing at its token.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
