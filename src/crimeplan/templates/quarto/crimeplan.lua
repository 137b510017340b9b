-- crimeplan: Lua filter for the Quarto renderer (`filters` in _quarto.yml, after Quarto's
-- own and before accessible.lua, the built-in renderer's filter, which then sees the same
-- document as in the built-in renderer).
--
-- 1. Charts: a div `.crimeplan-html include="_figures/<name>.html"` (written by
--    crimeplan.build.render.quarto) becomes that file's HTML in the HTML page (the chart's
--    figure from Chart.html(): the interactive chart with its fallback SVG image and its
--    caption), and its content (the static SVG as a raw Typst figure with its alt text)
--    elsewhere.
-- 2. Unwrap the notebook cell divs Quarto puts around every cell and output, so that the
--    document has the built-in renderer's structure: one <section> per priority holding its
--    whole content (Pandoc makes sections from headings at the same level only), and, in
--    Typst, headings and the figures after them in one flow (a heading is kept with what
--    follows it only within the same block).
-- 3. HTML: put the content in <main id="main">, after the cover and contents, as the
--    built-in template does (the skip link in cover.html leads there).

local CELL_CLASSES = { "cell", "cell-output", "cell-output-display", "cell-output-markdown" }

local function is_cell(el)
  for _, class in ipairs(CELL_CLASSES) do
    if el.classes:includes(class) then
      return true
    end
  end
  return false
end

local function read_html(name)
  local path = pandoc.path.join({ pandoc.path.directory(quarto.doc.input_file), name })
  local file = io.open(path, "rb")
  if file == nil then
    error("crimeplan.lua: cannot read " .. path)
  end
  local html = file:read("a")
  file:close()
  return html
end

local blocks = {
  Div = function(el)
    if el.classes:includes("crimeplan-html") then
      if quarto.doc.is_format("html") then
        return pandoc.RawBlock("html", read_html(el.attributes["include"]))
      end
      return el.content
    end
    if is_cell(el) then
      return el.content
    end
  end,
}

local main = {
  Pandoc = function(doc)
    if quarto.doc.is_format("html") then
      doc.blocks:insert(1, pandoc.RawBlock("html", '<main id="main" tabindex="-1">'))
      quarto.doc.include_text("after-body", "</main>")
    end
    return doc
  end,
}

return { blocks, main }
