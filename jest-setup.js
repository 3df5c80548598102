// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no canvas; @grafana/ui's Combobox measures option text with a 2D
// context to size its menu, so give it one that measures by character count.
HTMLCanvasElement.prototype.getContext = function getContext() {
  return {
    font: '',
    measureText: (text) => ({ width: String(text).length * 8 }),
  };
};

// The option menus of Combobox use IntersectionObserver for their scroll
// shadows; jsdom has none, and nothing in the tests scrolls.
class NoopIntersectionObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = NoopIntersectionObserver;

// Combobox virtualises its option list and renders only the rows that fit
// the measured height of the menu; jsdom lays nothing out (every size is 0),
// so give elements a size for the list to fill.
Object.defineProperties(HTMLElement.prototype, {
  clientHeight: { configurable: true, get: () => 400 },
  clientWidth: { configurable: true, get: () => 400 },
});
