// The sidebar's "Share this view" link (see ropelab/ui.py). Every control of RoPE Lab writes its value into the
// address bar, so the address bar is the link: this element shows it and follows it, also when only one section of
// the page reran or when a scrubber was released, and copies it on request.

const instances = new WeakMap();

function shareableUrl() {
  const url = new URL(window.location.href);
  // Streamlit's own display options are not part of the view a reader shares.
  url.searchParams.delete("embed");
  url.searchParams.delete("embed_options");
  return url.href;
}

function copyText(text, field) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Plain-http hosts (a lecture-hall laptop on a LAN) have no clipboard API: select the text and copy it.
  field.select();
  const copied = document.execCommand("copy");
  return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

function createInstance(parent) {
  const root = document.createElement("div");
  root.className = "ropelab-share";
  const field = document.createElement("input");
  field.type = "text";
  field.readOnly = true;
  field.className = "ropelab-share__link";
  field.setAttribute("aria-label", "Link to this view");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "ropelab-share__copy";
  button.textContent = "Copy link";
  const status = document.createElement("span");
  status.className = "ropelab-share__status";
  status.setAttribute("role", "status");
  root.append(field, button, status);
  parent.appendChild(root);
  const instance = { root, field, status };
  const refresh = () => {
    const link = shareableUrl();
    if (field.value !== link) {
      field.value = link;
    }
  };
  button.addEventListener("click", () => {
    refresh();
    copyText(field.value, field).then(
      () => (status.textContent = "Copied."),
      () => (status.textContent = "Select the link and copy it."),
    );
    setTimeout(() => (status.textContent = ""), 2500);
  });
  field.addEventListener("focus", () => field.select());
  // Streamlit changes the address with history.replaceState, which fires no event: look twice a second (cheap).
  instance.timer = setInterval(refresh, 500);
  window.addEventListener("popstate", refresh);
  instance.refresh = refresh;
  return instance;
}

export function render(component, settings) {
  const { parentElement } = component;
  // The share link is drawn first on every page: a good moment to start loading the chart script and plotly.js.
  if (settings && settings.chart) {
    import(new URL(settings.chart, window.location.href).href).then((chart) => chart.preload(settings));
  }
  let instance = instances.get(parentElement);
  if (!instance) {
    instance = createInstance(parentElement);
    instances.set(parentElement, instance);
  }
  instance.refresh();
  const current = instance;
  return () => {
    setTimeout(() => {
      if (!current.root.isConnected) {
        clearInterval(current.timer);
        window.removeEventListener("popstate", current.refresh);
        instances.delete(parentElement);
      }
    }, 0);
  };
}
