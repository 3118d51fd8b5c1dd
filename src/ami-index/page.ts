import { createHash } from 'node:crypto';
import { compareReleases, type AmiIndex, type IndexEntry } from './select.js';

/**
 * index.html: every current AMI in plain HTML tables (usable without JavaScript), one per release
 * and architecture; a small script adds the region filter and copy buttons. Everything from AWS is
 * escaped; the page loads nothing from elsewhere.
 */

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

function row(entry: IndexEntry): string {
  const ami = escape(entry.ami_id);
  return `<tr data-region="${escape(entry.region)}">
<td>${escape(entry.region)}</td>
<td>${escape(entry.flavour)}</td>
<td><code>${ami}</code> <button type="button" class="copy" data-ami="${ami}" aria-label="Copy ${ami}" hidden>Copy</button></td>
<td>${escape(entry.name)}</td>
<td>${escape(entry.compose_id)}</td>
<td><time datetime="${escape(entry.created)}">${day(entry.created)}</time></td>
<td>${entry.deprecation_time ? `<time datetime="${escape(entry.deprecation_time)}">${day(entry.deprecation_time)}</time>` : '—'}</td>
<td><a href="${escape(entry.launch_url)}">Launch<span class="visually-hidden"> ${ami} in ${escape(entry.region)}</span></a></td>
</tr>`;
}

function table(release: string, arch: string, entries: IndexEntry[]): string {
  const id = `r-${release}-${arch}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return `<section aria-labelledby="${escape(id)}">
<h3 id="${escape(id)}">Fedora ${escape(release)} · ${escape(arch)}</h3>
<table>
<caption class="visually-hidden">Current AMIs of Fedora ${escape(release)} for ${escape(arch)}, by region</caption>
<thead><tr><th scope="col">Region</th><th scope="col">Flavour</th><th scope="col">AMI ID</th><th scope="col">Name</th><th scope="col">Compose</th><th scope="col">Created</th><th scope="col">Deprecated on</th><th scope="col">Console</th></tr></thead>
<tbody>
${entries.map(row).join('\n')}
</tbody>
</table>
</section>`;
}

const SCRIPT = `
const select = document.getElementById('region');
select.hidden = false;
document.querySelector('label[for=region]').hidden = false;
select.addEventListener('change', () => {
  for (const row of document.querySelectorAll('tr[data-region]'))
    row.hidden = select.value !== '' && row.dataset.region !== select.value;
});
for (const button of document.querySelectorAll('button.copy')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    await navigator.clipboard.writeText(button.dataset.ami);
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
}`;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 80rem; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ccc; font-size: .9rem; }
code { font-size: .9rem; }
a { color: #1d4f91; }
button { font: inherit; font-size: .8rem; }
:focus-visible { outline: 3px solid #1d4f91; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }`;

const inlineHash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The page's Content-Security-Policy: nothing may load or run but its own inline script and style
 * (by hash), so text that got past the escaping still could not run or fetch anything.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${inlineHash(SCRIPT)}`,
  `style-src ${inlineHash(STYLE)}`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export function renderIndexPage(index: AmiIndex): string {
  const releases = [...new Set(index.images.map((entry) => entry.release))].sort(compareReleases);
  const sections = releases.map((release) => {
    const ofRelease = index.images.filter((entry) => entry.release === release);
    const arches = [...new Set(ofRelease.map((entry) => entry.arch))].sort();
    return `<h2>Fedora ${escape(release)}</h2>\n${arches
      .map((arch) =>
        table(
          release,
          arch,
          ofRelease.filter((entry) => entry.arch === arch),
        ),
      )
      .join('\n')}`;
  });
  const options = index.regions.map(
    (region) => `<option value="${escape(region)}">${escape(region)}</option>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fedora AMIs — current images by region</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Fedora cloud images on AWS</h1>
<p>The newest public, boot-tested AMI of every Fedora release, architecture and flavour in each region, read from AWS on <time datetime="${escape(index.generated_at)}">${escape(index.generated_at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}</time>. Scripts can read <a href="index.json">index.json</a> or <code>latest/&lt;release&gt;/&lt;arch&gt;.json</code>.</p>
<p><label for="region" hidden>Show region</label>
<select id="region" hidden><option value="">All regions</option>${options.join('')}</select></p>
${sections.length > 0 ? sections.join('\n') : '<p>No public fedimg AMIs were found in these regions.</p>'}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
