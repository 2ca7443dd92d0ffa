// A stand-in for Telegram's telegram-web-app.js, for the browser tests (no network there).
//
// The test serves this file in place of https://telegram.org/js/telegram-web-app.js, preceded
// by one line that sets window.__TELEGRAM_TEST__ = {initData, themeParams, colorScheme}. Like
// Telegram's script it defines window.Telegram.WebApp and sets the --tg-theme-* CSS variables
// on <html>; it also records what the page called, for the test to read.
(function () {
  "use strict";
  const given = window.__TELEGRAM_TEST__ || {};
  const calls = [];
  const handlers = {};
  const backHandlers = [];

  function on(name, fn) {
    (handlers[name] = handlers[name] || []).push(fn);
  }

  function emit(name) {
    for (const fn of handlers[name] || []) fn.call(webApp);
  }

  function setThemeVariables(params) {
    const style = document.documentElement.style;
    for (const [key, value] of Object.entries(params)) {
      // bg_color -> --tg-theme-bg-color, as Telegram's script names them.
      style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
    }
    style.setProperty("--tg-color-scheme", webApp.colorScheme);
  }

  const backButton = {
    isVisible: false,
    show() {
      calls.push("BackButton.show");
      backButton.isVisible = true;
    },
    hide() {
      calls.push("BackButton.hide");
      backButton.isVisible = false;
    },
    onClick(fn) {
      backHandlers.push(fn);
    },
    offClick(fn) {
      const at = backHandlers.indexOf(fn);
      if (at >= 0) backHandlers.splice(at, 1);
    },
  };

  const webApp = {
    initData: given.initData || "",
    // Parsed for show only: the page must not rely on it (the server checks initData).
    initDataUnsafe: {},
    version: "8.0",
    platform: "test",
    colorScheme: given.colorScheme === "dark" ? "dark" : "light",
    themeParams: Object.assign({}, given.themeParams || {}),
    isExpanded: false,
    BackButton: backButton,
    ready() {
      calls.push("ready");
    },
    expand() {
      calls.push("expand");
      webApp.isExpanded = true;
    },
    close() {
      calls.push("close");
    },
    onEvent: on,
    offEvent(name, fn) {
      const list = handlers[name] || [];
      const at = list.indexOf(fn);
      if (at >= 0) list.splice(at, 1);
    },
  };

  setThemeVariables(webApp.themeParams);
  window.Telegram = { WebApp: webApp };

  // For the test: what the page called, pressing Telegram's back button, a theme change.
  window.__TELEGRAM_TEST__ = {
    calls,
    pressBack() {
      for (const fn of backHandlers.slice()) fn();
    },
    changeTheme(colorScheme, themeParams) {
      webApp.colorScheme = colorScheme;
      webApp.themeParams = Object.assign({}, themeParams);
      setThemeVariables(webApp.themeParams);
      emit("themeChanged");
    },
  };
})();
