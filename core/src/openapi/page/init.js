// Mounts the vendored Scalar API reference on this app's own document.
// Everything stays on this origin: no web fonts, no request proxy, no telemetry.
Scalar.createApiReference('#api-reference-root', {
  url: '/openapi.json',
  withDefaultFonts: false,
  proxyUrl: '',
  hideClientButton: true,
  telemetry: false,
  showDeveloperTools: 'never',
  agent: { disabled: true },
});
