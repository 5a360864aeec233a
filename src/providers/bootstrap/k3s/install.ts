// The shell commands that install K3s: online through the official install script at a
// pinned INSTALL_K3S_VERSION, or air-gapped with INSTALL_K3S_SKIP_DOWNLOAD and the
// binary, images and script fetched from a configured location or already on the image.
//
// The script is downloaded to a file and then run, instead of `curl … | sh`: in a pipe a
// failed download hands sh an empty script, sh exits 0, and the machine would report
// success without K3s.
import { BootstrapError } from '../errors.ts';
import type { K3sBootstrapValues } from './values.ts';

export const k3sInstallScriptURL = 'https://get.k3s.io';
export const defaultInstallScriptPath = '/usr/local/bin/k3s-install.sh';
export const k3sBinaryPath = '/usr/local/bin/k3s';
export const k3sImagesDir = '/var/lib/rancher/k3s/agent/images';

/** Networks come up late on some images: retry instead of failing the whole bootstrap. */
const download = 'curl -sfL --retry 10 --retry-delay 3 --retry-connrefused';

/** `v1.31.4+k3s1`, `v1.32.0-rc1+k3s1`. */
const versionPattern = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\+k3s\d+$/;

/** Single-quoted for sh, whatever the string holds. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function assertK3sVersion(version: string): void {
  if (!versionPattern.test(version)) {
    throw new BootstrapError(
      'InvalidVersion',
      `K3s version ${JSON.stringify(version)} is not of the form v1.31.4+k3s1`,
    );
  }
}

/** The file name an images tarball keeps on the node: K3s picks the decompressor by extension. */
export function imagesFileName(imagesUrl: string): string {
  const base = decodeURIComponent(new URL(imagesUrl).pathname.split('/').pop() ?? '');
  return base.replace(/[^A-Za-z0-9._-]/g, '_');
}

function fetchTo(url: string, path: string, sha256: string | undefined): string[] {
  const commands = [`${download} -o ${shellQuote(path)} ${shellQuote(url)}`];
  if (sha256) commands.push(`echo ${shellQuote(`${sha256}  ${path}`)} | sha256sum -c -`);
  return commands;
}

/**
 * Commands that leave K3s installed and started as `server` or `agent`, reading its
 * settings from /etc/rancher/k3s/config.yaml.
 */
export function renderInstallCommands(input: {
  role: 'control-plane' | 'worker';
  version: string;
  airgap?: K3sBootstrapValues['airgap'];
}): string[] {
  assertK3sVersion(input.version);
  const subcommand = input.role === 'control-plane' ? 'server' : 'agent';
  const version = `INSTALL_K3S_VERSION=${shellQuote(input.version)}`;
  const airgap = input.airgap;
  if (!airgap) {
    return [
      ...fetchTo(k3sInstallScriptURL, defaultInstallScriptPath, undefined),
      `${version} sh ${shellQuote(defaultInstallScriptPath)} ${subcommand}`,
    ];
  }
  const scriptPath = airgap.installScriptPath ?? defaultInstallScriptPath;
  const commands: string[] = [];
  if (airgap.installScriptUrl) {
    commands.push(...fetchTo(airgap.installScriptUrl, scriptPath, airgap.installScriptSha256));
  }
  if (airgap.binaryUrl) {
    commands.push(...fetchTo(airgap.binaryUrl, k3sBinaryPath, airgap.binarySha256));
    commands.push(`chmod 0755 ${k3sBinaryPath}`);
  }
  if (airgap.imagesUrl) {
    const target = `${k3sImagesDir}/${imagesFileName(airgap.imagesUrl)}`;
    commands.push(`mkdir -p ${k3sImagesDir}`);
    commands.push(...fetchTo(airgap.imagesUrl, target, airgap.imagesSha256));
  }
  commands.push(
    `INSTALL_K3S_SKIP_DOWNLOAD=true ${version} sh ${shellQuote(scriptPath)} ${subcommand}`,
  );
  return commands;
}
