import { useEffect, useState } from 'react';
import { addToCart, listProducts } from '../api.js';

export default function Products() {
  const [query, setQuery] = useState('');
  const [products, setProducts] = useState([]);

  useEffect(() => {
    listProducts(query).then((res) => setProducts(res.data.products));
  }, [query]);

  return (
    <section>
      <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search" />
      <ul>
        {products.map((p) => (
          <li key={p.id}>
            {p.name} — {(p.price / 100).toFixed(2)}
            <button type="button" onClick={() => addToCart(p.id)}>Add to cart</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
