// electron-builder --dir for one platform (linux, mac or win, x64) against a stand-in Electron, run as a child
// process by test/integration/packaging.test.ts: the project's electron-builder.yml with only electronDist
// added. What a --dir build does not write to disk but the configuration decides is reported as JSON:
// the Linux desktop entry (written into the AppImage and the deb, whose tools cannot be fetched here).
//   node test/helpers/packaging-build.mjs PROJECT_DIR linux|mac|win ELECTRON_DIST REPORT_FILE
import { writeFile } from 'node:fs/promises';
import { Arch, Platform, build } from 'electron-builder';
import { LinuxTargetHelper } from 'app-builder-lib/out/targets/LinuxTargetHelper.js';

const [projectDir, platform, electronDist, reportFile] = process.argv.slice(2);
const report = {};
await build({
  projectDir,
  targets: { linux: Platform.LINUX, mac: Platform.MAC, win: Platform.WINDOWS }[platform].createTarget('dir', Arch.x64),
  publish: 'never',
  config: {
    electronDist,
    afterPack: async (context) => {
      report.appOutDir = context.appOutDir;
      if (context.electronPlatformName === 'linux') {
        report.desktopEntry = await new LinuxTargetHelper(context.packager).computeDesktopEntry(context.packager.platformSpecificBuildOptions);
      }
    },
  },
});
await writeFile(reportFile, JSON.stringify(report));
