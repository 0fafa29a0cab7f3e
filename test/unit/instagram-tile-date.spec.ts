import { test, expect } from '@playwright/test';
import { tileDatedBefore } from '../../flows/index.js';
import { INSTAGRAM_ANNEX } from '../../selectors/index.js';

const texts = INSTAGRAM_ANNEX.layouts.v1!.texts;
const DAY = 86_400_000;

test.describe('Instagram grid tiles dated by their generated alt text (pre-check reads)', () => {
  test('should date a tile in English and in Spanish, to two days past the start of its day', () => {
    expect(tileDatedBefore(texts, 'Photo by Northwind Bakery on December 05, 2026. May be an image of text.')).toBe(Date.UTC(2026, 11, 5) + 2 * DAY);
    expect(tileDatedBefore(texts, 'Foto de Northwind Bakery el 06 de enero de 2025. Puede ser una imagen de texto.')).toBe(Date.UTC(2025, 0, 6) + 2 * DAY);
    expect(tileDatedBefore(texts, 'Photo by Northwind Bakery on March 1, 2026.')).toBe(Date.UTC(2026, 2, 1) + 2 * DAY);
  });

  test('should read the date after a display name that itself contains the connecting word', () => {
    expect(tileDatedBefore(texts, 'Photo by Hang on Studio on July 04, 2026. May be an image of 2 people.')).toBe(Date.UTC(2026, 6, 4) + 2 * DAY);
  });

  test('should not date a tile whose alt text is custom, reworded, or names no real date', () => {
    for (const alt of [
      '',
      'Fresh out of the oven this morning.',
      'Photo by Northwind Bakery',
      'Photo by Northwind Bakery on Smarch 05, 2026.',
      'Photo by Northwind Bakery on February 31, 2026.',
      'Photo by Northwind Bakery on December 05 2026.',
      'A photo by Northwind Bakery on December 05, 2026.',
      'Image by Northwind Bakery on December 05, 2026.',
    ]) expect(tileDatedBefore(texts, alt), alt).toBeUndefined();
  });

  test('should date nothing when the annex records no alt-text form', () => {
    expect(tileDatedBefore({}, 'Photo by Northwind Bakery on December 05, 2026.')).toBeUndefined();
  });

  test('should never date a post later than it can have gone live, in any time zone', () => {
    // A post that went live at 23:30 on Dec 5 in UTC−12 is dated Dec 5 there, though it is Dec 6, 11:30 UTC.
    const live = Date.UTC(2026, 11, 6, 11, 30);
    expect(tileDatedBefore(texts, 'Photo by Northwind Bakery on December 05, 2026.')!).toBeGreaterThan(live);
    // And one at 00:10 on Dec 6 in UTC+14 (Dec 5, 10:10 UTC) is dated Dec 6: the bound is later still.
    expect(tileDatedBefore(texts, 'Photo by Northwind Bakery on December 06, 2026.')!).toBeGreaterThan(Date.UTC(2026, 11, 5, 10, 10));
  });
});
