// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const scaffolded = require('./.config/jest.config');

const swcTransform = scaffolded.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...scaffolded,
  transform: {
    ...scaffolded.transform,
    // Some ESM-only dependencies of @grafana/data (d3-color) ship as .mjs,
    // which the scaffolded pattern does not cover.
    '^.+\\.mjs$': swcTransform,
  },
};
